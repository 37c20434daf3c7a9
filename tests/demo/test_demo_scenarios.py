"""Saved Test Mode scenarios on the demo purchase request: saved with the process, played against a
version or the draft, rerun before every deploy (refusing, or deploying by force with a note)."""

from __future__ import annotations

import pytest
from demo_support import NOW
from scenario_support import approved_scenario, break_approval_in_draft, rejected_scenario

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import ProcessState
from ticketflow.domain.errors import InvalidInputError, NotFoundError
from ticketflow.usecases.processes import deploy_process, list_versions, set_process_state
from ticketflow.usecases.records import TicketQuery
from ticketflow.usecases.scenarios import (
    ScenariosFailedError,
    delete_scenario,
    list_scenarios,
    save_scenario,
)
from ticketflow.usecases.testmode import ProcessSource, run_saved_scenarios

KEY = "purchase-request"


def _save(app: Application, name: str, document: dict[str, object]) -> None:
    save_scenario(app.uow, KEY, name, document, saved_by="admin", now=NOW)


def test_saved_scenarios_are_listed_with_what_they_expect(demo_app: Application) -> None:
    _save(demo_app, "  approved   and ordered ", approved_scenario())
    _save(demo_app, "rejected", rejected_scenario())

    saved = list_scenarios(demo_app.uow, KEY)

    assert [s.name for s in saved] == ["approved and ordered", "rejected"]
    first = saved[0]
    assert first.expected.activity == "delivery"
    assert first.expected.values["DynamicField_PurchaseOrderNumber"] == "PO-4711"
    assert [s.dialog for s in first.test_input.scenario.submissions] == ["request-form", "decide"]
    assert first.test_input.scenario.service_results["order"].values == {
        "DynamicField_PurchaseOrderNumber": "PO-4711"
    }
    assert first.document()["expect"]["activity"] == "delivery"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expect": {}}, "expect.activity"),
        ({"expect": None}, "expect"),
        ({"submissions": [{"fields": {}}]}, "submissions[0]"),
        ({"service_results": {"order": "yes"}}, "service_results.order"),
        ({"ticket": {"Title": {"nested": 1}}}, "ticket.Title"),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_entry_and_nothing_is_saved(
    demo_app: Application, change: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _save(demo_app, "bad", approved_scenario() | change)

    assert refused.value.field == field
    assert list_scenarios(demo_app.uow, KEY) == []


def test_a_scenario_needs_a_name_and_a_known_process(demo_app: Application) -> None:
    with pytest.raises(InvalidInputError) as unnamed:
        _save(demo_app, "   ", approved_scenario())
    with pytest.raises(NotFoundError):
        save_scenario(demo_app.uow, "nope", "x", approved_scenario(), saved_by="admin", now=NOW)

    assert unnamed.value.field == "name"


def test_run_all_passes_on_the_deployed_version_and_writes_nothing(demo_app: Application) -> None:
    _save(demo_app, "approved", approved_scenario())
    _save(demo_app, "rejected", rejected_scenario())

    results = run_saved_scenarios(demo_app.uow, demo_app.runtime, ProcessSource(key=KEY), now=NOW)

    assert [(r.name, r.passed, r.differences) for r in results] == [
        ("approved", True, ()),
        ("rejected", True, ()),
    ]
    report = results[0].report
    assert report is not None
    assert report.path[-2:] == ("order", "delivery")
    with demo_app.uow() as uow:
        assert uow.tickets.count(TicketQuery()) == 0
        assert uow.jobs.list_jobs() == []


def test_a_failing_scenario_says_what_differed(demo_app: Application) -> None:
    _save(demo_app, "wrong end", approved_scenario(expected="end"))

    [result] = run_saved_scenarios(demo_app.uow, demo_app.runtime, ProcessSource(key=KEY), now=NOW)

    assert not result.passed
    assert result.differences == (
        "ended at 'delivery' (active: no more dialog submissions in the scenario), expected 'end'",
    )


def test_a_scenario_the_version_cannot_play_fails_with_the_reason(demo_app: Application) -> None:
    document = approved_scenario()
    document["submissions"].insert(1, {"dialog": "confirm-delivery", "fields": {}})
    _save(demo_app, "out of order", document)

    [result] = run_saved_scenarios(demo_app.uow, demo_app.runtime, ProcessSource(key=KEY), now=NOW)

    assert result.report is None
    assert result.differences == (
        "submissions: dialog 'confirm-delivery' is not offered at activity 'approval' (offered: decide)",
    )


def test_deploy_is_refused_when_a_scenario_fails_on_the_new_version(demo_app: Application) -> None:
    _save(demo_app, "approved", approved_scenario())
    _save(demo_app, "rejected", rejected_scenario())
    break_approval_in_draft(demo_app)

    with pytest.raises(ScenariosFailedError) as refused:
        deploy_process(demo_app.uow, demo_app.runtime, KEY, deployed_by="admin", now=NOW)

    assert "test scenario(s) approved fail" in refused.value.message
    assert [str(p) for p in refused.value.problems] == [
        "scenario:approved: ended at 'approval' (active: no more dialog submissions in the scenario), "
        "expected 'delivery'",
        "scenario:approved: DynamicField_PurchaseOrderNumber is empty, expected 'PO-4711'",
        "scenario:approved: Queue is 'Management', expected 'Post office'",
    ]
    assert [v.version for v in list_versions(demo_app.uow, KEY)] == [1]
    draft = run_saved_scenarios(demo_app.uow, demo_app.runtime, ProcessSource(key=KEY, draft=True), now=NOW)
    assert [r.passed for r in draft] == [False, True]


def test_force_deploys_anyway_and_says_so_in_the_note(demo_app: Application) -> None:
    _save(demo_app, "approved", approved_scenario())
    break_approval_in_draft(demo_app)

    result = deploy_process(
        demo_app.uow, demo_app.runtime, KEY, deployed_by="admin", now=NOW, note="hotfix", force=True
    )

    newest = list_versions(demo_app.uow, KEY)[-1]
    assert (result.version, newest.version) == (2, 2)
    assert newest.note == "hotfix (deployed despite failing test scenarios: approved)"


def test_passing_scenarios_let_the_deploy_through_with_the_note_untouched(demo_app: Application) -> None:
    _save(demo_app, "rejected", rejected_scenario())
    break_approval_in_draft(demo_app)  # only approving is broken; the rejected path still passes

    deploy_process(demo_app.uow, demo_app.runtime, KEY, deployed_by="admin", now=NOW, note="tweak")

    assert list_versions(demo_app.uow, KEY)[-1].note == "tweak"


def test_retiring_a_process_is_not_refused_by_its_scenarios(demo_app: Application) -> None:
    _save(demo_app, "approved", approved_scenario())

    result = set_process_state(
        demo_app.uow, demo_app.runtime, KEY, ProcessState.FADE_AWAY, changed_by="admin", now=NOW
    )

    assert not result.unchanged


def test_deleting_a_scenario_removes_it_from_the_suite(demo_app: Application) -> None:
    _save(demo_app, "approved", approved_scenario())
    _save(demo_app, "rejected", rejected_scenario())

    delete_scenario(demo_app.uow, KEY, "approved")

    assert [s.name for s in list_scenarios(demo_app.uow, KEY)] == ["rejected"]
