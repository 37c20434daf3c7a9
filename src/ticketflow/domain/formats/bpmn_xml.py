"""Processes as BPMN 2.0 XML, for the graphical modeler (bpmn-js) and for other BPMN tools.

``process_to_bpmn`` writes the start activity behind a start event, user/script/service tasks, call
activities for sub-processes, end events, sequence flows with our readable condition expression as
``conditionExpression`` and diagram shapes at the layout's positions (centres; auto-laid out when
missing). Everything else of an element is its ticketflow JSON in ``<tf:data>``.
``process_from_bpmn`` (in ``bpmn_reading``) reads such a document back, or one drawn elsewhere.
Pure: ``xml.etree`` from the standard library only.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from ticketflow.domain.definitions import Activity, Position, Process, Transition
from ticketflow.domain.expressions import format_expression
from ticketflow.domain.formats.bpmn_layout import auto_layout
from ticketflow.domain.formats.bpmn_names import (
    BPMN,
    BPMNDI,
    DC,
    DI,
    EXPRESSION_LANGUAGE,
    START_EVENT_OFFSET,
    TAG_OF_TYPE,
    TF,
    TREE_LANGUAGE,
    XSI,
    q,
    size_of,
)
from ticketflow.domain.formats.bpmn_reading import BpmnImport, process_from_bpmn
from ticketflow.domain.formats.native_json import process_to_dict

__all__ = ["BpmnImport", "process_from_bpmn", "process_to_bpmn", "start_event_ids"]

# Members of an element's JSON that BPMN itself carries; the rest goes into <tf:data>.
_ACTIVITY_IN_BPMN = frozenset({"key", "name", "type", "description"})
_TRANSITION_IN_BPMN = frozenset({"key", "name", "source", "target", "condition", "description"})
_PROCESS_EXTRA = ("state", "startable_by")
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f]")


def start_event_ids(process: Process) -> tuple[str, str]:
    """Ids for the start event and its flow that no activity or transition of ``process`` uses."""
    taken = {a.key for a in process.activities} | {t.key for t in process.transitions}
    event, flow = "StartEvent", "StartEvent_flow"
    while event in taken or flow in taken:
        event, flow = f"_{event}", f"_{flow}"
    return event, flow


def process_to_bpmn(process: Process) -> str:
    """The BPMN 2.0 XML document of ``process`` (UTF-8 text with an XML declaration)."""
    document = process_to_dict(process)
    definitions = ET.Element(
        q(BPMN, "definitions"),
        {"id": f"Definitions_{process.key}", "targetNamespace": TF, "exporter": "ticketflow"},
    )
    root = ET.SubElement(
        definitions, q(BPMN, "process"), {"id": process.key, "name": process.name, "isExecutable": "true"}
    )
    _documentation(root, process.description)
    _data(root, {k: document[k] for k in _PROCESS_EXTRA if k in document} | _exact(process.description))
    start_id, start_flow = start_event_ids(process)
    flows = _flows_by_node(process, start_id, start_flow)
    start = ET.SubElement(root, q(BPMN, "startEvent"), {"id": start_id, "name": ""})
    _refs(start, flows, start_id)
    for activity, raw in zip(process.activities, document["activities"], strict=True):
        _activity(root, activity, raw, flows)
    ET.SubElement(
        root,
        q(BPMN, "sequenceFlow"),
        {"id": start_flow, "sourceRef": start_id, "targetRef": process.start_activity},
    )
    for transition, raw in zip(process.transitions, document.get("transitions", []), strict=True):
        _sequence_flow(root, transition, raw)
    _diagram(definitions, process, start_id, start_flow)
    ET.indent(definitions, space="  ")
    return ET.tostring(definitions, encoding="unicode", xml_declaration=True) + "\n"


def _flows_by_node(process: Process, start_id: str, start_flow: str) -> dict[str, dict[str, list[str]]]:
    """``{node: {"incoming": [...], "outgoing": [...]}}``: bpmn-js does not rebuild these refs itself."""
    refs: dict[str, dict[str, list[str]]] = {}

    def add(node: str, direction: str, flow: str) -> None:
        refs.setdefault(node, {"incoming": [], "outgoing": []})[direction].append(flow)

    add(start_id, "outgoing", start_flow)
    add(process.start_activity, "incoming", start_flow)
    for transition in process.transitions:
        add(transition.source, "outgoing", transition.key)
        add(transition.target, "incoming", transition.key)
    return refs


def _refs(node: ET.Element, flows: dict[str, dict[str, list[str]]], key: str) -> None:
    for direction in ("incoming", "outgoing"):
        for flow in flows.get(key, {}).get(direction, []):
            ET.SubElement(node, q(BPMN, direction)).text = flow


def _documentation(parent: ET.Element, text: str) -> None:
    if text:
        ET.SubElement(parent, q(BPMN, "documentation")).text = text


def _survives_xml(text: str) -> bool:
    """XML parsers turn CR LF into LF and refuse most control characters in text."""
    return not _UNSAFE_TEXT.search(text)


def _exact(description: str) -> dict[str, str]:
    """The description again in ``<tf:data>`` when the documentation text would not survive as is."""
    return {} if _survives_xml(description) else {"description": description}


def _data(parent: ET.Element, extra: dict[str, Any]) -> None:
    if extra:
        extensions = ET.SubElement(parent, q(BPMN, "extensionElements"))
        ET.SubElement(extensions, q(TF, "data")).text = json.dumps(extra, ensure_ascii=False, sort_keys=True)


def _activity(
    root: ET.Element, activity: Activity, raw: dict[str, Any], flows: dict[str, dict[str, list[str]]]
) -> None:
    attributes = {"id": activity.key, "name": activity.name}
    if activity.sub_process is not None:
        attributes["calledElement"] = activity.sub_process.process_key
    node = ET.SubElement(root, q(BPMN, TAG_OF_TYPE[activity.type]), attributes)
    _documentation(node, activity.description)
    _data(node, {k: v for k, v in raw.items() if k not in _ACTIVITY_IN_BPMN} | _exact(activity.description))
    _refs(node, flows, activity.key)


def _sequence_flow(root: ET.Element, transition: Transition, raw: dict[str, Any]) -> None:
    flow = ET.SubElement(
        root,
        q(BPMN, "sequenceFlow"),
        {
            "id": transition.key,
            "name": transition.name,
            "sourceRef": transition.source,
            "targetRef": transition.target,
        },
    )
    _documentation(flow, transition.description)
    _data(
        flow, {k: v for k, v in raw.items() if k not in _TRANSITION_IN_BPMN} | _exact(transition.description)
    )
    if transition.condition is not None:
        expression = format_expression(transition.condition)
        language = EXPRESSION_LANGUAGE if expression is not None else TREE_LANGUAGE
        body = expression if expression is not None else json.dumps(raw["condition"], ensure_ascii=False)
        condition = ET.SubElement(
            flow,
            q(BPMN, "conditionExpression"),
            {q(XSI, "type"): "bpmn:tFormalExpression", "language": language},
        )
        condition.text = body


def _diagram(definitions: ET.Element, process: Process, start_id: str, start_flow: str) -> None:
    centres = auto_layout(process)
    first = centres[process.start_activity]
    centres[start_id] = Position(first.x - START_EVENT_OFFSET, first.y)
    tags = {a.key: TAG_OF_TYPE[a.type] for a in process.activities} | {start_id: "startEvent"}
    diagram = ET.SubElement(definitions, q(BPMNDI, "BPMNDiagram"), {"id": f"Diagram_{process.key}"})
    plane = ET.SubElement(
        diagram, q(BPMNDI, "BPMNPlane"), {"id": f"Plane_{process.key}", "bpmnElement": process.key}
    )
    for key, tag in tags.items():
        width, height = size_of(tag)
        centre = centres[key]
        shape = ET.SubElement(plane, q(BPMNDI, "BPMNShape"), {"id": f"{key}_di", "bpmnElement": key})
        bounds = {"x": centre.x - width / 2, "y": centre.y - height / 2, "width": width, "height": height}
        ET.SubElement(shape, q(DC, "Bounds"), {k: _number(v) for k, v in bounds.items()})
    edges = [(start_flow, start_id, process.start_activity)]
    edges += [
        (t.key, t.source, t.target) for t in process.transitions if t.source in tags and t.target in tags
    ]
    for key, source, target in edges:
        edge = ET.SubElement(plane, q(BPMNDI, "BPMNEdge"), {"id": f"{key}_di", "bpmnElement": key})
        for x, y in _waypoints(
            centres[source], size_of(tags[source]), centres[target], size_of(tags[target])
        ):
            ET.SubElement(edge, q(DI, "waypoint"), {"x": _number(x), "y": _number(y)})


def _waypoints(
    source: Position, source_size: tuple[float, float], target: Position, target_size: tuple[float, float]
) -> list[tuple[float, float]]:
    """A straight line between the shapes' borders (a self-loop goes out and back over the top)."""
    if source == target:
        left, right, top = (
            source.x - source_size[0] / 4,
            source.x + source_size[0] / 4,
            source.y - source_size[1] / 2,
        )
        return [(left, top), (left, top - 30), (right, top - 30), (right, top)]
    dx, dy = target.x - source.x, target.y - source.y
    return [_border(source, source_size, dx, dy), _border(target, target_size, -dx, -dy)]


def _border(centre: Position, size: tuple[float, float], dx: float, dy: float) -> tuple[float, float]:
    """Where a ray from the centre in direction (dx, dy) leaves a box of ``size``."""
    limits = [size[0] / 2 / abs(dx)] if dx else []
    limits += [size[1] / 2 / abs(dy)] if dy else []
    t = min(limits) if limits else 0.0
    return centre.x + dx * t, centre.y + dy * t


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
