from dataclasses import replace

from ticketflow.domain.definitions import Activity, ActivityType, Position, Process, Transition
from ticketflow.domain.diff import ChangeKind, ElementChange, diff_processes


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
