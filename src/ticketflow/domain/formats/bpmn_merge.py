"""What the modeler's Save means: the canvas's BPMN merged into the stored draft.

The canvas owns the structure (which elements exist, their kinds, what connects to what), the names
(renamed inline on the canvas) and the positions. The draft owns everything edited in the side panel
or imported (dialogs, script and service calls, conditions, transition actions, descriptions), kept
for every element whose id survives with the same kind. New elements get defaults; removed ones go.
"""

from __future__ import annotations

from dataclasses import replace

from ticketflow.domain.definitions import Activity, Process, Transition
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.formats.bpmn_reading import BpmnImport, process_from_bpmn


def merge_diagram(draft: Process, xml: str) -> BpmnImport:
    """``draft`` as drawn in ``xml`` (raises like ``process_from_bpmn`` when the drawing cannot run)."""
    drawn = process_from_bpmn(xml, key=draft.key, name=draft.name)
    activities = tuple(_activity(draft, a) for a in drawn.process.activities)
    transitions = tuple(_transition(draft, t) for t in drawn.process.transitions)
    merged = replace(
        draft,
        start_activity=drawn.process.start_activity,
        activities=activities,
        transitions=transitions,
        layout=drawn.process.layout,
    )
    return BpmnImport(merged, drawn.warnings)


def _activity(draft: Process, drawn: Activity) -> Activity:
    stored = draft.find_activity(drawn.key)
    if stored is None or stored.type is not drawn.type:
        return drawn
    return replace(stored, name=drawn.name)


def _transition(draft: Process, drawn: Transition) -> Transition:
    stored = next((t for t in draft.transitions if t.key == drawn.key), None)
    if stored is None:
        return drawn
    return replace(stored, name=drawn.name, source=drawn.source, target=drawn.target)


def edit_element(
    process: Process, element_id: str, *, name: str, description: str, condition: str | None = None
) -> Process:
    """``process`` with the side panel's values for one activity or transition.

    ``condition`` is the transition's expression ('' removes it; None leaves it). InvalidInputError
    names the field (``name``, ``condition``) so the panel shows it beside that input.
    """
    name = name.strip()
    activity = process.find_activity(element_id)
    if activity is not None:
        if not name:
            raise InvalidInputError("an activity needs a name", field="name")
        edited = replace(activity, name=name, description=description)
        return replace(process, activities=tuple(edited if a is activity else a for a in process.activities))
    transition = next((t for t in process.transitions if t.key == element_id), None)
    if transition is None:
        raise InvalidInputError(
            f"'{element_id}' is not an activity or transition of the draft", field="element"
        )
    changed = replace(transition, name=name, description=description)
    if condition is not None:
        text = condition.strip()
        parsed = None
        if text:
            try:
                parsed = parse_expression(text)
            except InvalidInputError as error:
                raise InvalidInputError(error.message, field="condition") from None
        changed = replace(changed, condition=parsed)
    return replace(process, transitions=tuple(changed if t is transition else t for t in process.transitions))
