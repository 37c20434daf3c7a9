"""A process's versions on its admin page: who deployed each, when, the note and what changed; the
visual diff of any two versions; rollback; export of each version in three formats. Refusals name
why and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from process_pages_support import administrator_client, csrf

from ticketflow.demo.loader import demo_document
from ticketflow.domain.formats.bpmn_reading import process_from_bpmn
from ticketflow.usecases import processes

KEY = "purchase-request"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def ada(app: FastAPI) -> TestClient:
    """The administrator, with version 2 of the demo purchase process deployed by 'ada': the manager's
    approval renamed, its decide dialog retitled, an archive activity and transition added."""
    client = administrator_client(app)
    document: dict[str, Any] = dict(demo_document(KEY))
    activities = [dict(a) for a in document["activities"]]
    approval = next(a for a in activities if a["key"] == "approval")
    approval["name"] = "Approval by the manager"
    approval["dialogs"] = [dict(approval["dialogs"][0], name="Decide now")]
    activities.append({"key": "archive", "name": "Archive", "type": "end"})
    document["activities"] = activities
    document["transitions"] = [
        *document["transitions"],
        {
            "key": "to-archive",
            "name": "Archive it",
            "source": "approval",
            "target": "archive",
            "condition": "DynamicField_PurchaseAmount > 1000000",
        },
    ]
    uow, runtime = app.state.application.uow, app.state.application.runtime
    processes.save_draft(uow, document, saved_by="ada", expected_revision=None)
    deployed = processes.deploy_process(uow, runtime, KEY, deployed_by="ada", now=NOW, note="clearer names")
    assert deployed.version == 2
    return client


def _flat(html: str) -> str:
    return " ".join(html.split())


def _versions(app: FastAPI) -> list[tuple[int, str, str]]:
    return [
        (v.version, v.deployed_by, v.note) for v in processes.list_versions(app.state.application.uow, KEY)
    ]


def test_the_versions_list_says_who_when_the_note_and_what_changed(ada: TestClient) -> None:
    page = ada.get(f"/agent/admin/processes/{KEY}")

    assert page.status_code == 200
    row = _flat(page.text.split('id="version-2"', 1)[1].split("</tr>", 1)[0])
    assert "<td>ada</td> <td>clearer names</td>" in row
    assert "activities: 1 added, 1 changed" in row
    assert "dialogs: 1 changed" in row
    assert "transitions: 1 added" in row
    assert f'href="/agent/admin/processes/{KEY}/diff?a=1&amp;b=2"' in row
    first = _flat(page.text.split('id="version-1"', 1)[1].split("</tr>", 1)[0])
    assert "First version" in first
    assert "Roll back to version 1…" in first


def test_the_diff_draws_both_versions_and_lists_every_change_field_by_field(ada: TestClient) -> None:
    page = ada.get(f"/agent/admin/processes/{KEY}/diff", params={"a": 1, "b": 2})

    assert page.status_code == 200
    svg = page.text.split('<svg role="img"', 1)[1].split("</svg>", 1)[0]
    assert 'class="activity end added" data-key="archive"' in svg
    assert 'class="activity user-task changed" data-key="approval"' in svg
    assert 'class="transition added" data-key="to-archive"' in svg
    archive = svg.split('data-key="archive"', 1)[1].split("</g>\n  </g>", 1)[0]
    assert ">new</text>" in archive  # a word as well as a colour
    changes = _flat(page.text.split('id="changes-heading"', 1)[1])
    name_row = '<th scope="row">name</th><td><code>Manager approval</code></td>'
    assert name_row + "<td><code>Approval by the manager</code></td>" in changes
    assert "Decide now" in changes
    assert "<code>dialog:approval/decide</code>" in changes


def test_the_diff_backwards_draws_removed_elements_where_they_were(ada: TestClient) -> None:
    page = ada.get(f"/agent/admin/processes/{KEY}/diff", params={"a": 2, "b": 1})

    assert 'class="activity end removed" data-key="archive"' in page.text
    assert 'class="transition removed" data-key="to-archive"' in page.text
    assert "Roll back to version 1</button>" in page.text  # from the latest to an earlier one


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"a": 1, "b": 9}, 404, "no version 9"),
        ({"a": "one", "b": 2}, 400, "a: &#39;one&#39; is not a version number"),
    ],
)
def test_a_diff_of_an_unknown_version_is_named(
    ada: TestClient, params: dict[str, Any], status: int, says: str
) -> None:
    page = ada.get(f"/agent/admin/processes/{KEY}/diff", params=params)

    assert page.status_code == status
    assert says in page.text


def test_rollback_deploys_the_earlier_version_as_the_next(app: FastAPI, ada: TestClient) -> None:
    form = ada.get(f"/agent/admin/processes/{KEY}/diff", params={"a": 2, "b": 1})

    answer = ada.post(
        f"/agent/admin/processes/{KEY}/rollback", data={"csrf_token": csrf(form.text), "version": "1"}
    )

    assert answer.status_code == 303
    assert _versions(app)[-1] == (3, "ada", "rollback to version 1")
    uow = app.state.application.uow
    assert processes.load_process(uow, KEY, 3) == processes.load_process(uow, KEY, 1)
    assert "Rolled back to version 1 as version 3" in ada.get(answer.headers["location"]).text


@pytest.mark.parametrize(
    ("version", "status", "says"),
    [
        ("2", 422, "version 2 is the latest version"),
        ("8", 404, "no version 8"),
        ("x", 400, "is not a version number"),
    ],
)
def test_a_refused_rollback_names_why_and_changes_nothing(
    app: FastAPI, ada: TestClient, version: str, status: int, says: str
) -> None:
    token = csrf(ada.get(f"/agent/admin/processes/{KEY}").text)
    before = _versions(app)

    answer = ada.post(
        f"/agent/admin/processes/{KEY}/rollback", data={"csrf_token": token, "version": version}
    )

    assert answer.status_code == status
    assert says in answer.text.replace("&#39;", "'")
    assert _versions(app) == before


def test_rollback_is_refused_to_an_agent_who_is_no_administrator(
    app: FastAPI, ada: TestClient, sign_in: Any
) -> None:
    manager = sign_in("manager")
    token = csrf(manager.get("/agent/").text)
    before = _versions(app)

    answer = manager.post(
        f"/agent/admin/processes/{KEY}/rollback", data={"csrf_token": token, "version": "1"}
    )

    assert answer.status_code == 403
    assert manager.get(f"/agent/admin/processes/{KEY}/diff", params={"a": 1, "b": 2}).status_code == 403
    assert _versions(app) == before


@pytest.mark.parametrize(
    ("format", "media", "filename"),
    [
        ("ticketflow", "application/json", f"{KEY}-v1.json"),
        ("otobo", "application/yaml", f"{KEY}-v1.yml"),
        ("bpmn", "application/xml", f"{KEY}-v1.bpmn"),
    ],
)
def test_each_version_exports_in_three_formats(
    ada: TestClient, format: str, media: str, filename: str
) -> None:
    answer = ada.get(f"/agent/admin/processes/{KEY}/export", params={"version": 1, "format": format})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media)
    assert answer.headers["content-disposition"] == f'attachment; filename="{filename}"'
    if format == "bpmn":
        assert [a.name for a in process_from_bpmn(answer.text).process.activities][1] == "Manager approval"
    elif format == "otobo":
        assert "Process" in yaml.safe_load(answer.text)
    else:
        assert answer.json()["key"] == KEY


def test_the_draft_exports_with_its_own_filename_and_a_bad_format_is_named(ada: TestClient) -> None:
    draft = ada.get(f"/agent/admin/processes/{KEY}/export", params={"format": "bpmn"})
    assert draft.headers["content-disposition"] == f'attachment; filename="{KEY}-draft.bpmn"'
    bad = ada.get(f"/agent/admin/processes/{KEY}/export", params={"format": "pdf"})
    assert bad.status_code == 400
    assert "format: is &#39;ticketflow&#39;, &#39;otobo&#39; or &#39;bpmn&#39;" in bad.text
