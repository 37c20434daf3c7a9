"""How a process definition looks in ``process show``: activities, then transitions with their
conditions in the readable expression form and their transition actions."""

from __future__ import annotations

from ticketflow.cli import output
from ticketflow.domain.conditions import Condition
from ticketflow.domain.definitions import Activity, Process, Transition
from ticketflow.domain.expressions import format_expression


def show_process(process: Process, label: str) -> None:
    output.heading(f"Process {process.name} ({process.key}, {label})")
    output.pairs(
        {
            "State": process.state.value,
            "Startable by": process.startable_by.value,
            "Start activity": process.start_activity,
            "Description": process.description or None,
        }
    )
    output.table(
        "Activities",
        ("Key", "Name", "Type", "Dialogs", "Runs"),
        [
            (
                a.key,
                a.name,
                a.type.value,
                ", ".join(f"{d.key} ({d.interface.value})" for d in a.dialogs),
                _runs(a),
            )
            for a in process.activities
        ],
    )
    output.table(
        "Transitions",
        ("Key", "From → To", "Condition", "Actions"),
        [_transition_row(t) for t in process.transitions],
    )


def _runs(activity: Activity) -> str:
    if activity.script is not None:
        return f"script {activity.script.script}"
    if activity.service is not None:
        return f"web service {activity.service.web_service}/{activity.service.invoker}"
    if activity.sub_process is not None:
        version = activity.sub_process.version
        return f"sub-process {activity.sub_process.process_key}" + (f" v{version}" if version else "")
    return ""


def _transition_row(transition: Transition) -> tuple[str, str, str, str]:
    arrow = f"{transition.source} → {transition.target}"
    if transition.error_code is not None:
        arrow += f" (on error '{transition.error_code}')"
    actions = "; ".join(f"{a.key}: {a.module}" for a in transition.actions)
    return (transition.key, arrow, condition_text(transition.condition), actions)


def condition_text(condition: Condition | None) -> str:
    """The condition as an expression, or its tree spelled out when it has no expression form."""
    if condition is None:
        return "always"
    expression = format_expression(condition, rename_groups=True)
    if expression is not None:
        return expression
    groups = []
    for group in condition.groups:
        fields = f" {group.type.value} ".join(
            f"{f.field} {f.type.value if f.type else '?'} {f.match!r}" for f in group.fields
        )
        groups.append(f"({fields})")
    return f" {condition.linking.value} ".join(groups)
