from dataclasses import replace

from ticketflow.domain.definitions import (
    Activity,
    ActivityDialog,
    ActivityType,
    DialogField,
    FieldDisplay,
    Position,
    Process,
    Transition,
)
from ticketflow.domain.diff import (
    ABSENT,
    ChangeKind,
    ElementChange,
    ValueChange,
    diagram_marks,
    diff_processes,
    summarise,
    union_process,
)
from ticketflow.domain.expressions import parse_expression


def _process() -> Process:
    return Process(
        key="p",
        name="P",
        start_activity="a",
        activities=(
            Activity("a", "Request", ActivityType.USER_TASK),
            Activity("b", "Done", ActivityType.END),
        ),
        transitions=(Transition("t1", "go", "a", "b"),),
    )


def test_identical_versions_have_no_changes() -> None:
    assert diff_processes(_process(), _process()) == ()


def test_added_removed_and_changed_elements_are_named() -> None:
    old = _process()
    new = replace(
        old,
        activities=(
            replace(old.activities[0], name="Request purchase"),
            Activity("c", "Closed", ActivityType.END),
        ),
        transitions=(Transition("t2", "go", "a", "c"),),
    )
    changes = diff_processes(old, new)
    assert ElementChange("activity:a", ChangeKind.CHANGED, ("name",)) in changes
    assert ElementChange("activity:b", ChangeKind.REMOVED) in changes
    assert ElementChange("activity:c", ChangeKind.ADDED) in changes
    assert ElementChange("transition:t1", ChangeKind.REMOVED) in changes
    assert ElementChange("transition:t2", ChangeKind.ADDED) in changes


def test_moving_boxes_is_a_layout_change_of_the_process_only() -> None:
    old = _process()
    new = replace(old, layout={"a": Position(10, 20)})
    assert diff_processes(old, new) == (ElementChange("process", ChangeKind.CHANGED, ("layout",)),)
    assert diff_processes(old, new)[0].describe() == "process changed: layout"


def _with_dialog(process: Process, name: str) -> Process:
    request = replace(process.activities[0], dialogs=(ActivityDialog("form", name),))
    return replace(process, activities=(request, *process.activities[1:]))


def test_a_changed_dialog_is_its_own_element_and_leaves_the_activity_unchanged() -> None:
    old = _with_dialog(_process(), "Form")
    new = _with_dialog(_process(), "Request form")

    changes = diff_processes(old, new)

    assert changes == (ElementChange("dialog:a/form", ChangeKind.CHANGED, ("name",)),)
    assert [(v.attribute, v.old, v.new) for v in changes[0].values] == [("name", "Form", "Request form")]
    assert diagram_marks(changes) == {"a": ("changed",)}


def test_values_read_in_the_words_of_the_format() -> None:
    old = _process()
    new = replace(old, transitions=(replace(old.transitions[0], condition=parse_expression("Title = 'x'")),))

    (change,) = diff_processes(old, new)

    assert change.values == (ValueChange("condition", ABSENT, "Title = 'x'"),)


def test_moved_boxes_are_listed_one_by_one() -> None:
    old = replace(_process(), layout={"a": Position(10, 20)})
    new = replace(_process(), layout={"a": Position(30, 20), "b": Position(200, 20)})

    (change,) = diff_processes(old, new)

    assert [(v.attribute, v.old, v.new) for v in change.values] == [
        ("layout of a", "(10, 20)", "(30, 20)"),
        ("layout of b", ABSENT, "(200, 20)"),
    ]


def test_the_union_keeps_removed_elements_at_their_old_positions_and_marks_every_change() -> None:
    old = replace(_process(), layout={"a": Position(0, 0), "b": Position(300, 0)})
    new = replace(
        old,
        activities=(replace(old.activities[0], name="Ask"), Activity("c", "Closed", ActivityType.END)),
        transitions=(Transition("t2", "go", "a", "c"),),
        layout={"a": Position(0, 0), "c": Position(300, 200)},
    )
    changes = diff_processes(old, new)

    union = union_process(old, new)

    assert [a.key for a in union.activities] == ["a", "c", "b"]
    assert [t.key for t in union.transitions] == ["t2", "t1"]
    assert union.layout["b"] == Position(300, 0)
    assert diagram_marks(changes) == {
        "a": ("changed",),
        "b": ("removed",),
        "c": ("added",),
        "t1": ("removed",),
        "t2": ("added",),
    }
    assert [line.describe() for line in summarise(changes)] == [
        "activities: 1 added, 1 removed, 1 changed",
        "transitions: 1 added, 1 removed",
    ]


def test_a_dialog_field_and_an_action_are_reported_one_by_one() -> None:
    old = _with_dialog(_process(), "Form")
    form = old.activities[0].dialogs[0]
    fields = (DialogField("Title"), DialogField("DynamicField_Amount"))
    changed_fields = (DialogField("DynamicField_Amount", FieldDisplay.MANDATORY), DialogField("Title"))
    old = replace(
        old,
        activities=(replace(old.activities[0], dialogs=(replace(form, fields=fields),)), old.activities[1]),
    )
    new = replace(
        old,
        activities=(
            replace(old.activities[0], dialogs=(replace(form, fields=changed_fields),)),
            old.activities[1],
        ),
    )

    (change,) = diff_processes(old, new)

    assert [(v.attribute, v.old, v.new) for v in change.values] == [
        ("fields DynamicField_Amount", "(present)", '{"display": "mandatory"}'),
        ("order of fields", "Title, DynamicField_Amount", "DynamicField_Amount, Title"),
    ]
