"""The proposed type of a dynamic field an imported process needs, read from how the process uses it."""

from __future__ import annotations

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    Process,
    Transition,
    TransitionAction,
)
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.prerequisites import field_label, propose_field


def _process(*transitions: Transition, fields: tuple[DialogField, ...] = ()) -> Process:
    return Process(
        key="p",
        name="P",
        start_activity="a",
        activities=(
            Activity("a", "Ask", ActivityType.USER_TASK, dialogs=(ActivityDialog("d", "D", fields=fields),)),
            Activity("b", "Done", ActivityType.END),
        ),
        transitions=transitions,
    )


def _when(key: str, expression: str, *actions: TransitionAction) -> Transition:
    return Transition(key, key, "a", "b", parse_expression(expression), actions)


def test_a_field_compared_with_fixed_values_is_a_dropdown_of_them() -> None:
    process = _process(
        _when("yes", "DynamicField_Decision = 'approved'"), _when("no", "DynamicField_Decision = 'rejected'")
    )

    proposal = propose_field(process, "Decision")

    assert (proposal.type, proposal.possible_values) == (DynamicFieldType.DROPDOWN, ("approved", "rejected"))
    assert proposal.reason == "the process compares it with 'approved', 'rejected'"


def test_a_field_only_ever_zero_or_one_is_a_checkbox() -> None:
    process = _process(
        _when("t", "DynamicField_Urgent = '1'"), fields=(DialogField("DynamicField_Urgent", default="0"),)
    )

    assert propose_field(process, "Urgent").type is DynamicFieldType.CHECKBOX


def test_a_field_set_to_a_list_is_a_multiselect() -> None:
    action = TransitionAction("s", "Set", "DynamicFieldSet", {"Watchers": ("alice", "bob")})
    process = _process(_when("t", "Title = 'x'", action))

    proposal = propose_field(process, "Watchers")

    assert (proposal.type, proposal.possible_values) == (DynamicFieldType.MULTISELECT, ("alice", "bob"))


def test_without_fixed_values_the_name_decides() -> None:
    process = _process(_when("t", "DynamicField_Amount > 100"))

    assert propose_field(process, "DeliveryDate").type is DynamicFieldType.DATE
    assert propose_field(process, "OrderDue").type is DynamicFieldType.DATE
    assert propose_field(process, "StartTime").type is DynamicFieldType.DATE_TIME
    assert propose_field(process, "PurchaseJustification").type is DynamicFieldType.TEXT_AREA
    amount = propose_field(process, "Amount")
    assert (amount.type, amount.reason) == (DynamicFieldType.TEXT, "the process compares it as a number")


def test_one_compared_value_alone_is_not_enough_for_a_dropdown() -> None:
    process = _process(_when("t", "DynamicField_Code = 'A1'"))

    assert propose_field(process, "Code").type is DynamicFieldType.TEXT


def test_values_only_known_when_the_action_runs_are_not_taken_as_choices() -> None:
    action = TransitionAction("s", "Set", "DynamicFieldSet", {"Copy": "<OTOBO_TICKET_Title>"})
    process = _process(_when("t", "DynamicField_Copy = 'a'", action))

    assert propose_field(process, "Copy").type is DynamicFieldType.TEXT


def test_labels_are_the_name_in_words() -> None:
    assert field_label("PurchaseApproval") == "Purchase approval"
    assert field_label("SLAReason") == "SLA reason"
    assert field_label("Room2") == "Room 2"
