"""The side panel's row buttons on the form's values, without a server: each op changes exactly the
row it names, and an op that names no row changes nothing."""

from __future__ import annotations

from starlette.datastructures import FormData

from ticketflow.domain.transition_actions import ACTIONS
from ticketflow.usecases.modeler_inputs import ActionInput, DialogInput, ElementInput, FieldInput, Row
from ticketflow.usecases.modeler_panel import Described, PanelOptions
from ticketflow.web.ui.modeler_form import apply_op, fill_declared, read_input

OPTIONS = PanelOptions(
    dialog_fields=(),
    condition_fields=(),
    scripts=(),
    actions=tuple(Described(a.name, a.description, a.parameters) for a in ACTIONS.values()),
    web_services={},
    processes=(),
)


def _edit() -> ElementInput:
    fields = [FieldInput(name="Title"), FieldInput(name="Queue"), FieldInput(name="Article")]
    return ElementInput(
        dialogs=[DialogInput(key="first", fields=fields), DialogInput(key="second")],
        actions=[ActionInput(key="a", module="TicketQueueSet", parameters=[Row("Queue", "Sales")])],
    )


def test_rows_move_within_their_list_only() -> None:
    edit = _edit()
    assert apply_op(edit, "down:dialog-0-field-0", FormData(), OPTIONS)
    assert [f.name for f in edit.dialogs[0].fields] == ["Queue", "Title", "Article"]
    assert apply_op(edit, "up:dialog-0-field-0", FormData(), OPTIONS)  # the first stays first
    assert [f.name for f in edit.dialogs[0].fields] == ["Queue", "Title", "Article"]
    assert apply_op(edit, "up:dialog-1", FormData(), OPTIONS)
    assert [d.key for d in edit.dialogs] == ["second", "first"]
    assert apply_op(edit, "remove:dialog-1-field-2", FormData(), OPTIONS)
    assert [f.name for f in edit.dialogs[1].fields] == ["Queue", "Title"]


def test_adding_takes_the_chosen_field_and_a_new_action_gets_its_required_parameters() -> None:
    edit = _edit()
    form = FormData({"dialog-1-field-new": "DynamicField_PurchaseAmount", "action-new": "TicketStateSet"})
    assert apply_op(edit, "add:dialog-1-field", form, OPTIONS)
    assert [f.name for f in edit.dialogs[1].fields] == ["DynamicField_PurchaseAmount"]
    assert apply_op(edit, "add:action", form, OPTIONS)
    assert edit.actions[1].module == "TicketStateSet"
    assert [row.key for row in edit.actions[1].parameters] == ["State"]
    assert edit.actions[1].key == "ticketstateset-2"
    assert apply_op(edit, "add:action-0-parameter", form, OPTIONS)
    assert len(edit.actions[0].parameters) == 2
    assert apply_op(edit, "add:dialog", form, OPTIONS)
    assert edit.dialogs[2].key == "dialog-3"


def test_an_op_naming_no_row_changes_nothing() -> None:
    for op in (
        "remove:dialog-7",
        "up:dialog-0-field-9",
        "add:dialog-5-field",
        "explode:dialog",
        "remove:nothing-0",
    ):
        edit = _edit()
        assert not apply_op(edit, op, FormData(), OPTIONS), op
        assert edit == _edit()


def test_the_posted_form_is_read_row_by_row_in_order() -> None:
    form = FormData(
        [
            ("name", "Approve"),
            ("dialog-1-key", "late"),
            ("dialog-0-key", "early"),
            ("dialog-0-required_lock", "1"),
            ("dialog-0-field-0-name", "Title"),
            ("dialog-0-field-0-display", "mandatory"),
            ("parameter-0-key", "Field"),
            ("parameter-0-value", "a, b"),
            ("parameter-0-list", "1"),
        ]
    )
    edit = read_input(form)
    assert edit.name == "Approve"
    assert [d.key for d in edit.dialogs] == ["early", "late"]
    assert edit.dialogs[0].required_lock is True
    assert edit.dialogs[1].required_lock is False
    assert edit.dialogs[0].fields[0].display == "mandatory"
    assert edit.parameters == [Row("Field", "a, b", is_list=True)]


def test_a_chosen_module_gets_rows_for_its_required_parameters_once() -> None:
    edit = ElementInput(actions=[ActionInput(module="TicketOwnerSet")])
    fill_declared(edit, OPTIONS)
    fill_declared(edit, OPTIONS)
    assert [row.key for row in edit.actions[0].parameters] == ["Owner"]
