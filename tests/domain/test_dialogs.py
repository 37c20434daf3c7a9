"""Activity dialogs: which are offered, access, and what a submission writes (reference §2.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Interface,
    Process,
    ProcessState,
    Transition,
)
from ticketflow.domain.dialogs import (
    DialogDefaults,
    DialogInputError,
    Submission,
    apply_submission,
    available_dialogs,
    check_dialog_access,
)
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import InvalidInputError, PermissionDeniedError
from ticketflow.domain.positions import PositionStatus, ProcessPosition


def _df(
    name: str, type_: DynamicFieldType, values: Mapping[str, str] | None = None
) -> DynamicFieldDefinition:
    return DynamicFieldDefinition(name, name, type_, dict(values or {}))


CATALOG = Catalog(
    queues=frozenset({"Raw", "Sales"}),
    states={"new": "new", "open": "open"},
    priorities=frozenset({"3 normal", "5 very high"}),
    types=frozenset({"Incident"}),
    services=frozenset({"Mail"}),
    slas=frozenset({"Gold"}),
    users=frozenset({"anna"}),
    customer_users=frozenset({"carl"}),
    dynamic_fields={
        "Note": _df("Note", DynamicFieldType.TEXT),
        "Story": _df("Story", DynamicFieldType.TEXT_AREA),
        "Urgent": _df("Urgent", DynamicFieldType.CHECKBOX),
        "Status": _df("Status", DynamicFieldType.DROPDOWN, {"ok": "Approved", "no": "Rejected"}),
        "Tags": _df("Tags", DynamicFieldType.MULTISELECT, {"a": "Alpha", "b": "Beta"}),
        "Due": _df("Due", DynamicFieldType.DATE),
        "Meet": _df("Meet", DynamicFieldType.DATE_TIME),
    },
)


def dialog(*fields: DialogField, interface: Interface = Interface.AGENT) -> ActivityDialog:
    return ActivityDialog("D1", "Decide", fields=fields, interface=interface)


def submit(
    the_dialog: ActivityDialog,
    submitted: Mapping[str, str | Sequence[str]],
    *,
    interface: Interface = Interface.AGENT,
    new_ticket: bool = False,
) -> Submission:
    return apply_submission(the_dialog, submitted, CATALOG, interface, new_ticket=new_ticket)


def problems_of(
    the_dialog: ActivityDialog,
    submitted: Mapping[str, str | Sequence[str]],
    *,
    interface: Interface = Interface.AGENT,
) -> list[str]:
    """The messages of the DialogInputError the submission must raise."""
    with pytest.raises(DialogInputError) as caught:
        submit(the_dialog, submitted, interface=interface)
    return [p.message for p in caught.value.problems]


# -- available_dialogs ---------------------------------------------------------------------------

AGENT_DIALOG = ActivityDialog("DA", "Agent", interface=Interface.AGENT)
CUSTOMER_DIALOG = ActivityDialog("DC", "Customer", interface=Interface.CUSTOMER)
BOTH_DIALOG = ActivityDialog("DB", "Both", interface=Interface.BOTH)
END_DIALOG = ActivityDialog("DE", "Reopen", interface=Interface.BOTH)

PROCESS = Process(
    key="p",
    name="P",
    start_activity="A1",
    activities=(
        Activity("A1", "Work", ActivityType.USER_TASK, dialogs=(BOTH_DIALOG, AGENT_DIALOG, CUSTOMER_DIALOG)),
        Activity("End", "Done", ActivityType.END, dialogs=(END_DIALOG,)),
    ),
    transitions=(Transition("T1", "done", "A1", "End"),),
    startable_by=Interface.BOTH,
)


def at(activity: str, status: PositionStatus = PositionStatus.ACTIVE) -> ProcessPosition:
    return ProcessPosition("p", 1, activity, status)


@pytest.mark.parametrize(
    ("interface", "expected"),
    [(Interface.AGENT, ("DB", "DA")), (Interface.CUSTOMER, ("DB", "DC"))],
)
def test_active_position_offers_the_dialogs_visible_to_the_interface(
    interface: Interface, expected: tuple[str, ...]
) -> None:
    assert tuple(d.key for d in available_dialogs(PROCESS, at("A1"), interface)) == expected


@pytest.mark.parametrize("status", [PositionStatus.WAITING, PositionStatus.FAILED])
def test_waiting_or_failed_position_offers_nothing(status: PositionStatus) -> None:
    assert available_dialogs(PROCESS, at("A1", status), Interface.AGENT) == ()


def test_completed_position_keeps_the_end_activity_dialogs() -> None:
    assert available_dialogs(PROCESS, at("End", PositionStatus.COMPLETED), Interface.CUSTOMER) == (
        END_DIALOG,
    )


def test_inactive_process_offers_nothing() -> None:
    inactive = replace(PROCESS, state=ProcessState.INACTIVE)

    assert available_dialogs(inactive, at("A1"), Interface.AGENT) == ()
    assert available_dialogs(inactive, None, Interface.AGENT) == ()


def test_no_position_offers_the_start_dialog_of_an_active_process() -> None:
    assert available_dialogs(PROCESS, None, Interface.AGENT) == (BOTH_DIALOG,)
    fading = replace(PROCESS, state=ProcessState.FADE_AWAY)
    assert available_dialogs(fading, None, Interface.AGENT) == ()
    agents_only = replace(PROCESS, startable_by=Interface.AGENT)
    assert available_dialogs(agents_only, None, Interface.CUSTOMER) == ()


def test_position_in_another_process_or_unknown_activity_offers_nothing() -> None:
    assert available_dialogs(PROCESS, ProcessPosition("q", 1, "A1"), Interface.AGENT) == ()
    assert available_dialogs(PROCESS, at("Gone"), Interface.AGENT) == ()


# -- check_dialog_access -------------------------------------------------------------------------


def test_access_needs_the_dialog_permission_or_rw() -> None:
    note_dialog = ActivityDialog("D", "Note", permission="note")

    check_dialog_access(note_dialog, frozenset({"note"}), "unlock", "anna", "anna")
    check_dialog_access(note_dialog, frozenset({"rw"}), "unlock", "anna", "anna")
    with pytest.raises(PermissionDeniedError, match="needs the 'note' permission"):
        check_dialog_access(note_dialog, frozenset({"ro"}), "unlock", "anna", "anna")


def test_access_without_configured_permission_needs_rw() -> None:
    with pytest.raises(PermissionDeniedError, match="'rw'"):
        check_dialog_access(ActivityDialog("D", "Any"), frozenset({"ro"}), "unlock", "anna", "anna")


def test_required_lock_refuses_a_ticket_locked_by_someone_else() -> None:
    locking = ActivityDialog("D", "Lock", required_lock=True)

    check_dialog_access(locking, frozenset({"rw"}), "unlock", "bert", "anna")
    check_dialog_access(locking, frozenset({"rw"}), "lock", "anna", "anna")
    with pytest.raises(PermissionDeniedError, match="locked by 'bert'"):
        check_dialog_access(locking, frozenset({"rw"}), "lock", "bert", "anna")


# -- apply_submission ----------------------------------------------------------------------------


def test_shown_fields_take_the_submitted_values() -> None:
    the_dialog = dialog(
        DialogField("Title", FieldDisplay.MANDATORY),
        DialogField("Queue", FieldDisplay.MANDATORY),
        DialogField("Owner"),
        DialogField("DynamicField_Note"),
    )

    result = submit(
        the_dialog, {"Title": "Printer", "Queue": "Sales", "Owner": "anna", "DynamicField_Note": "x"}
    )

    assert result == Submission(
        {"Title": "Printer", "Queue": "Sales", "Owner": "anna", "DynamicField_Note": "x"}
    )


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        ("Urgent", "on", "1"),
        ("Urgent", "TRUE", "1"),
        ("Urgent", "off", "0"),
        ("Urgent", "0", "0"),
        ("Status", "ok", "ok"),
        ("Status", "Rejected", "no"),
        ("Tags", ["a", "Beta"], ("a", "b")),
        ("Tags", "a", ("a",)),
        ("Due", "2024-02-29", "2024-02-29 00:00:00"),
        ("Due", "2024-02-29 00:00:00", "2024-02-29 00:00:00"),
        ("Meet", "2024-02-29 09:30", "2024-02-29 09:30:00"),
        ("Meet", "2024-02-29T09:30:15", "2024-02-29 09:30:15"),
        ("Story", "two\nlines", "two\nlines"),
    ],
)
def test_dynamic_field_values_are_stored_normalised(field: str, raw: str | list[str], stored: object) -> None:
    result = submit(dialog(DialogField(f"DynamicField_{field}")), {f"DynamicField_{field}": raw})

    assert result.values == {f"DynamicField_{field}": stored}


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("DynamicField_Urgent", "maybe", "DynamicField_Urgent: 'maybe' is not a checkbox value (0 or 1)"),
        (
            "DynamicField_Status",
            "Perhaps",
            "DynamicField_Status: 'Perhaps' is not one of its possible values (ok, no)",
        ),
        ("DynamicField_Tags", ["a", "z"], "DynamicField_Tags: 'z' is not one of its possible values (a, b)"),
        ("DynamicField_Due", "29.02.2024", "DynamicField_Due: '29.02.2024' is not a date (YYYY-MM-DD)"),
        ("DynamicField_Due", "20240229", "DynamicField_Due: '20240229' is not a date (YYYY-MM-DD)"),
        ("DynamicField_Due", "2023-02-29", "DynamicField_Due: '2023-02-29' is not a date (YYYY-MM-DD)"),
        (
            "DynamicField_Meet",
            "soon",
            "DynamicField_Meet: 'soon' is not a date and time (YYYY-MM-DD HH:MM[:SS])",
        ),
        ("DynamicField_Note", "two\nlines", "DynamicField_Note: must be a single line"),
        ("DynamicField_Note", ["a", "b"], "DynamicField_Note: takes one value, not a list"),
        ("Queue", "Nowhere", "Queue: queue 'Nowhere' does not exist"),
        ("State", "gone", "State: state 'gone' does not exist"),
        ("Priority", "9", "Priority: priority '9' does not exist"),
        ("Type", "Bug", "Type: type 'Bug' does not exist"),
        ("Service", "Web", "Service: service 'Web' does not exist"),
        ("SLA", "Tin", "SLA: SLA 'Tin' does not exist"),
        ("Owner", "zoe", "Owner: user 'zoe' does not exist"),
        ("Responsible", "zoe", "Responsible: user 'zoe' does not exist"),
        ("CustomerUserID", "dan", "CustomerUserID: customer user 'dan' does not exist"),
        ("Lock", "locked", "Lock: 'locked' is not lock, unlock or tmp_lock"),
        ("PendingTime", "tomorrow", "PendingTime: 'tomorrow' is not a date and time (YYYY-MM-DD HH:MM[:SS])"),
        ("Title", "a\nb", "Title: must be a single line"),
    ],
)
def test_values_that_do_not_fit_are_refused(field: str, raw: str | list[str], message: str) -> None:
    display = (
        FieldDisplay.MANDATORY if field in ("Queue", "State", "Lock", "Priority") else FieldDisplay.OPTIONAL
    )

    assert problems_of(dialog(DialogField(field, display)), {field: raw}) == [message]


def test_every_bad_field_is_reported_at_once_with_its_field() -> None:
    the_dialog = dialog(
        DialogField("Title", FieldDisplay.MANDATORY),
        DialogField("DynamicField_Due"),
        DialogField("Article", FieldDisplay.MANDATORY),
    )

    with pytest.raises(DialogInputError) as caught:
        submit(the_dialog, {"DynamicField_Due": "x", "Colour": "red"})

    assert [(p.element, p.field) for p in caught.value.problems] == [
        ("dialog:D1", "Colour"),
        ("dialog:D1", "Title"),
        ("dialog:D1", "DynamicField_Due"),
        ("dialog:D1", "Subject"),
        ("dialog:D1", "Body"),
    ]
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.field is None


def test_single_bad_field_is_named_by_the_error() -> None:
    with pytest.raises(DialogInputError) as caught:
        submit(dialog(DialogField("Title")), {"Colour": "red"})

    assert caught.value.field == "Colour"
    assert caught.value.message == "Colour: is not a field of this dialog"


def test_mandatory_field_must_not_be_empty() -> None:
    the_dialog = dialog(
        DialogField("Title", FieldDisplay.MANDATORY), DialogField("DynamicField_Tags", FieldDisplay.MANDATORY)
    )

    assert problems_of(the_dialog, {"Title": "  ", "DynamicField_Tags": []}) == [
        "Title: is mandatory",
        "DynamicField_Tags: is mandatory",
    ]


def test_mandatory_checkbox_must_be_checked() -> None:
    the_dialog = dialog(DialogField("DynamicField_Urgent", FieldDisplay.MANDATORY))

    assert problems_of(the_dialog, {"DynamicField_Urgent": "0"}) == ["DynamicField_Urgent: must be checked"]


def test_optional_fields_left_out_are_not_written_and_emptied_dynamic_fields_are_cleared() -> None:
    the_dialog = dialog(
        DialogField("Title"),
        DialogField("DynamicField_Note"),
        DialogField("DynamicField_Tags"),
        DialogField("Owner"),
    )

    result = submit(the_dialog, {"DynamicField_Note": "", "DynamicField_Tags": [], "Owner": ""})

    assert result.values == {"DynamicField_Note": "", "DynamicField_Tags": ()}


def test_hidden_dynamic_fields_are_written_with_default_or_cleared() -> None:
    the_dialog = dialog(
        DialogField("DynamicField_Status", FieldDisplay.HIDDEN, default="ok"),
        DialogField("DynamicField_Note", FieldDisplay.HIDDEN),
        DialogField("DynamicField_Tags", FieldDisplay.HIDDEN),
    )

    result = submit(the_dialog, {})

    assert result.values == {"DynamicField_Status": "ok", "DynamicField_Note": "", "DynamicField_Tags": ()}


@pytest.mark.parametrize("new_ticket", [True, False])
def test_hidden_queue_state_lock_priority_are_written_on_every_submit(new_ticket: bool) -> None:
    the_dialog = dialog(
        DialogField("Queue", FieldDisplay.HIDDEN),
        DialogField("State", FieldDisplay.HIDDEN, default="open"),
        DialogField("Lock", FieldDisplay.HIDDEN),
        DialogField("Priority", FieldDisplay.HIDDEN),
    )

    result = submit(the_dialog, {}, new_ticket=new_ticket)

    assert result.values == {"Queue": "Raw", "State": "open", "Lock": "unlock", "Priority": "3 normal"}


def test_global_defaults_can_be_configured() -> None:
    the_dialog = dialog(DialogField("Queue", FieldDisplay.HIDDEN))
    defaults = DialogDefaults(queue="Sales", priority="5 very high")

    result = apply_submission(the_dialog, {}, CATALOG, Interface.AGENT, new_ticket=True, defaults=defaults)

    assert result.values == {"Queue": "Sales", "State": "new", "Lock": "unlock", "Priority": "5 very high"}


def test_other_hidden_fields_are_written_only_with_a_default() -> None:
    the_dialog = dialog(
        DialogField("Type", FieldDisplay.HIDDEN, default="Incident"),
        DialogField("Owner", FieldDisplay.HIDDEN),
    )

    assert submit(the_dialog, {}).values == {"Type": "Incident"}


def test_hidden_fields_cannot_be_overridden() -> None:
    the_dialog = dialog(DialogField("DynamicField_Status", FieldDisplay.HIDDEN, default="ok"))

    assert problems_of(the_dialog, {"DynamicField_Status": "no"}) == [
        "DynamicField_Status: is hidden in this dialog and cannot be set"
    ]


def test_new_ticket_gets_the_four_defaults_and_shown_defaults_prefilled() -> None:
    the_dialog = dialog(DialogField("Title", FieldDisplay.MANDATORY, default="New order"))

    result = submit(the_dialog, {}, new_ticket=True)

    assert result.values == {
        "Title": "New order",
        "Queue": "Raw",
        "State": "new",
        "Lock": "unlock",
        "Priority": "3 normal",
    }


def test_update_does_not_prefill_shown_defaults() -> None:
    the_dialog = dialog(DialogField("Title", FieldDisplay.MANDATORY, default="New order"))

    assert problems_of(the_dialog, {}) == ["Title: is mandatory"]


@pytest.mark.parametrize(
    "field", ["Owner", "Responsible", "Lock", "PendingTime", "CustomerID", "Queue", "Service", "SLA"]
)
def test_customer_may_not_set_restricted_fields(field: str) -> None:
    the_dialog = dialog(DialogField(field), interface=Interface.BOTH)

    messages = problems_of(the_dialog, {field: "x"}, interface=Interface.CUSTOMER)

    assert messages[0] == f"{field}: cannot be set by a customer"


def test_customer_hidden_queue_is_still_written() -> None:
    the_dialog = dialog(
        DialogField("Queue", FieldDisplay.HIDDEN, default="Sales"), interface=Interface.CUSTOMER
    )

    assert submit(the_dialog, {}, interface=Interface.CUSTOMER).values == {"Queue": "Sales"}


def test_mandatory_article_needs_subject_and_body() -> None:
    the_dialog = dialog(DialogField("Article", FieldDisplay.MANDATORY))

    assert problems_of(the_dialog, {"Subject": "Hi"}) == ["Body: is mandatory"]


def test_optional_article_is_added_only_when_written() -> None:
    the_dialog = dialog(DialogField("Article"))

    assert submit(the_dialog, {}).article is None
    assert problems_of(the_dialog, {"Body": "text"}) == ["Subject: is mandatory"]


def test_article_follows_the_field_config_and_the_interface() -> None:
    article_field = DialogField(
        "Article",
        FieldDisplay.MANDATORY,
        config={"communication_channel": "Phone", "visible_for_customer": "1"},
    )

    agent = submit(dialog(article_field), {"Subject": " Call ", "Body": "Rang back"}).article
    customer = submit(
        dialog(DialogField("Article", FieldDisplay.MANDATORY), interface=Interface.CUSTOMER),
        {"Subject": "Q", "Body": "Why?"},
        interface=Interface.CUSTOMER,
    ).article

    assert agent == AddArticle(
        "Call", "Rang back", channel="Phone", sender_type="agent", visible_for_customer=True
    )
    assert customer == AddArticle(
        "Q", "Why?", channel="Internal", sender_type="customer", visible_for_customer=True
    )


def test_hidden_article_creates_nothing_and_refuses_text() -> None:
    the_dialog = dialog(DialogField("Article", FieldDisplay.HIDDEN))

    assert submit(the_dialog, {}).article is None
    assert problems_of(the_dialog, {"Subject": "x"}) == ["Subject: is not a field of this dialog"]


def test_dialog_field_naming_a_missing_dynamic_field_is_refused() -> None:
    assert problems_of(dialog(DialogField("DynamicField_Gone")), {"DynamicField_Gone": "x"}) == [
        "DynamicField_Gone: dynamic field 'Gone' does not exist"
    ]
