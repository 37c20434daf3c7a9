"""Read BPMN 2.0 XML: our own export (lossless through ``<tf:data>``) or a diagram from another tool.

Whatever our engine cannot run is reported by element id. Elements that only lose meaning are
warnings (a plain task becomes a user task, an end event's signal is ignored); elements whose
flows cannot be kept are dropped with a warning naming them (gateways, timers and other intermediate
events, embedded sub-processes); a document that cannot become a process at all (no start event,
a condition we cannot read) is refused with a ``DefinitionError`` listing every reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from ticketflow.domain.definitions import ActivityType, Position, Process
from ticketflow.domain.errors import DefinitionError, InvalidInputError, Problem
from ticketflow.domain.expressions import parse_expression
from ticketflow.domain.formats.bpmn_names import BPMN, BPMNDI, DC, TF, TREE_LANGUAGE, TYPE_OF_TAG, q
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.domain.formats.schema import PROCESS_FORMAT

WARNING = "warning"

# Other tools' task kinds that run like one of ours, with what is lost said in a warning.
_SIMILAR_TAGS = {
    "task": ActivityType.USER_TASK,
    "manualTask": ActivityType.USER_TASK,
    "receiveTask": ActivityType.USER_TASK,
    "sendTask": ActivityType.SERVICE_TASK,
    "businessRuleTask": ActivityType.SCRIPT_TASK,
}
# Nodes with flows our engine cannot run: dropped, with their flows, and named in a warning.
_UNSUPPORTED_NODES = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "complexGateway",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "subProcess",
        "adHocSubProcess",
        "transaction",
    }
)
# Children of a process that say nothing about how it runs.
_IGNORED = frozenset(
    {
        "documentation",
        "extensionElements",
        "laneSet",
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "ioSpecification",
        "property",
        "sequenceFlow",
    }
)
# The calls a typed activity must carry (our JSON Schema requires them). A new element gets a
# placeholder that validation reports by name until it is chosen in the side panel.
PLACEHOLDER_CALLS: dict[ActivityType, tuple[str, dict[str, Any]]] = {
    ActivityType.SCRIPT_TASK: ("script", {"script": "choose-a-script"}),
    ActivityType.SERVICE_TASK: (
        "service",
        {"web_service": "choose-a-web-service", "invoker": "choose-an-invoker"},
    ),
    ActivityType.SUB_PROCESS: ("sub_process", {"process_key": "choose-a-process"}),
}
# ``description`` is only there when the documentation text could not carry it exactly.
_ACTIVITY_EXTRAS = frozenset({"dialogs", "script", "service", "sub_process", "error_code", "description"})
_TRANSITION_EXTRAS = frozenset({"actions", "error_code", "description"})
_MAX_DOCUMENT = 5_000_000


@dataclass(frozen=True, slots=True)
class BpmnImport:
    process: Process
    warnings: tuple[Problem, ...] = ()


@dataclass
class _Nodes:
    """What the reader collected from one ``bpmn:process`` element."""

    activities: list[dict[str, Any]] = field(default_factory=list)
    starts: list[ET.Element] = field(default_factory=list)
    flows: list[ET.Element] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)


def process_from_bpmn(xml: str, *, key: str | None = None, name: str | None = None) -> BpmnImport:
    """The Process a BPMN document describes, with a warning per element it could not keep as drawn.

    ``key`` and ``name`` override the BPMN process's id and name (the modeler saves into a known key).
    """
    definitions = _parse(xml)
    warnings: list[Problem] = []
    process = _choose_process(definitions, warnings)
    nodes = _collect(process, warnings)
    errors: list[Problem] = []
    start = _start_activity(nodes, warnings, errors)
    transitions = list(_transitions(nodes, warnings, errors))
    if errors:
        raise DefinitionError(errors, "the BPMN diagram cannot become a process")
    _warn_parallel(transitions, warnings)
    document: dict[str, Any] = {
        "format": PROCESS_FORMAT,
        "key": key or _process_key(process.get("id", ""), warnings),
        "name": name or process.get("name") or definitions.get("name") or process.get("id") or "Process",
        "start_activity": start,
        "activities": nodes.activities,
        "transitions": transitions,
        "layout": _layout(definitions, {a["key"] for a in nodes.activities}),
    }
    documentation = _documentation(process)
    if documentation:
        document["description"] = documentation
    document.update(
        {k: v for k, v in _data(process).items() if k in ("state", "startable_by", "description")}
    )
    return BpmnImport(process_from_dict(document), tuple(warnings))


def _parse(xml: str) -> ET.Element:
    # Entities are how XML bombs work, and BPMN never needs a DOCTYPE: refuse any.
    if "<!DOCTYPE" in xml.upper() or len(xml) > _MAX_DOCUMENT:
        raise InvalidInputError("is not a BPMN document we read (a DOCTYPE or too large)", field="bpmn")
    try:
        root = ET.fromstring(xml)  # noqa: S314 - no DOCTYPE, so no entity expansion
    except ET.ParseError as error:
        raise InvalidInputError(f"is not well-formed XML ({error})", field="bpmn") from None
    if root.tag != q(BPMN, "definitions"):
        raise InvalidInputError("is not BPMN 2.0 XML (no bpmn:definitions root)", field="bpmn")
    return root


def _choose_process(definitions: ET.Element, warnings: list[Problem]) -> ET.Element:
    """The first process that has a start event; other processes (pools) are named as ignored."""
    candidates = definitions.findall(q(BPMN, "process"))
    if not candidates:
        raise DefinitionError([Problem("process", "the BPMN document holds no process")])
    chosen = next((p for p in candidates if p.find(q(BPMN, "startEvent")) is not None), candidates[0])
    for other in candidates:
        if other is not chosen:
            message = f"a second process {_label(other)}is ignored: one process per import"
            warnings.append(Problem(_element(other), message, severity=WARNING))
    return chosen


def _collect(process: ET.Element, warnings: list[Problem]) -> _Nodes:
    nodes = _Nodes()
    for child in process:
        tag = _local(child)
        if tag == "startEvent":
            nodes.starts.append(child)
            _warn_definitions(child, "tickets start by their start dialog", warnings)
        elif tag == "sequenceFlow":
            nodes.flows.append(child)
        elif tag in TYPE_OF_TAG or tag in _SIMILAR_TAGS:
            nodes.activities.append(_activity(child, tag, warnings))
        elif tag in _UNSUPPORTED_NODES:
            nodes.dropped.add(child.get("id", ""))
            message = f"{_words(tag)} {_label(child)}is not run by our engine: dropped with its flows"
            warnings.append(Problem(_element(child), message, severity=WARNING))
        elif tag not in _IGNORED:
            message = f"{_words(tag)} {_label(child)}is ignored"
            warnings.append(Problem(_element(child), message, severity=WARNING))
    return nodes


def _activity(node: ET.Element, tag: str, warnings: list[Problem]) -> dict[str, Any]:
    kind = TYPE_OF_TAG.get(tag) or _SIMILAR_TAGS[tag]
    element = f"activity:{node.get('id')}"
    if tag in _SIMILAR_TAGS:
        message = f"{_words(tag)} {_label(node)}is imported as a {_words(kind.value)}"
        warnings.append(Problem(element, message, severity=WARNING))
    if node.find(q(BPMN, "multiInstanceLoopCharacteristics")) is not None:
        warnings.append(Problem(element, "multi-instance is not supported: it runs once", severity=WARNING))
    if kind is ActivityType.END:
        _warn_definitions(node, "the process simply ends", warnings)
    activity: dict[str, Any] = {
        "key": node.get("id", ""),
        "name": node.get("name") or node.get("id", ""),
        "type": kind,
    }
    activity["type"] = kind.value
    description = _documentation(node)
    if description:
        activity["description"] = description
    activity.update({k: v for k, v in _data(node).items() if k in _ACTIVITY_EXTRAS})
    if kind is ActivityType.SUB_PROCESS and "sub_process" not in activity and node.get("calledElement"):
        activity["sub_process"] = {"process_key": node.get("calledElement")}
    placeholder = PLACEHOLDER_CALLS.get(kind)
    if placeholder is not None and placeholder[0] not in activity:
        activity[placeholder[0]] = dict(placeholder[1])
    return activity


def _warn_definitions(node: ET.Element, consequence: str, warnings: list[Problem]) -> None:
    for child in node:
        tag = _local(child)
        if tag.endswith("EventDefinition"):
            what = _words(tag.removesuffix("EventDefinition"))
            message = f"the {what} trigger of {_label(node)}is ignored: {consequence}"
            warnings.append(Problem(_element(node), message, severity=WARNING))


def _start_activity(nodes: _Nodes, warnings: list[Problem], errors: list[Problem]) -> str:
    if not nodes.starts:
        errors.append(Problem("process", "the diagram has no start event"))
        return ""
    start = nodes.starts[0]
    for extra in nodes.starts[1:]:
        warnings.append(Problem(_element(extra), "a second start event is ignored", severity=WARNING))
    keys = {a["key"] for a in nodes.activities}
    targets = [f.get("targetRef", "") for f in nodes.flows if f.get("sourceRef") == start.get("id")]
    reachable = [t for t in targets if t in keys]
    if not reachable:
        message = "the start event is not connected to a task: connect it to the first activity"
        errors.append(Problem(_element(start), message))
        return ""
    if len(targets) > 1:
        message = f"the start event has {len(targets)} flows: tickets start at '{reachable[0]}' only"
        warnings.append(Problem(_element(start), message, severity=WARNING))
    return reachable[0]


def _transitions(nodes: _Nodes, warnings: list[Problem], errors: list[Problem]) -> Iterator[dict[str, Any]]:
    keys = {a["key"] for a in nodes.activities}
    starts = {s.get("id") for s in nodes.starts}
    for flow in nodes.flows:
        source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
        if source in starts:
            continue  # the start event's flow is the start activity, not a transition
        if source not in keys or target not in keys:
            if source not in nodes.dropped and target not in nodes.dropped:
                message = f"flow {_label(flow)}does not connect two activities: dropped"
                warnings.append(Problem(f"transition:{flow.get('id')}", message, severity=WARNING))
            continue
        transition: dict[str, Any] = {
            "key": flow.get("id", ""),
            "name": flow.get("name", ""),
            "source": source,
            "target": target,
        }
        description = _documentation(flow)
        if description:
            transition["description"] = description
        transition.update({k: v for k, v in _data(flow).items() if k in _TRANSITION_EXTRAS})
        condition = _condition(flow, errors)
        if condition is not None:
            transition["condition"] = condition
        yield transition


def _condition(flow: ET.Element, errors: list[Problem]) -> str | dict[str, Any] | None:
    node = flow.find(q(BPMN, "conditionExpression"))
    if node is None or not (node.text or "").strip():
        return None
    text = (node.text or "").strip()
    element = f"transition:{flow.get('id')}"
    if node.get("language") == TREE_LANGUAGE:
        try:
            tree: dict[str, Any] = json.loads(text)
        except json.JSONDecodeError as error:
            errors.append(Problem(element, f"the condition tree is not JSON ({error})", "condition"))
            return None
        return tree
    try:
        parse_expression(text)
    except InvalidInputError as error:
        message = f"the condition '{text}' is not a ticketflow expression ({error.message})"
        errors.append(Problem(element, message, "condition"))
        return None
    return text


def _warn_parallel(transitions: list[dict[str, Any]], warnings: list[Problem]) -> None:
    """BPMN runs every unconditional outgoing flow of a task at once; our engine takes one."""
    unconditional: dict[str, int] = {}
    for transition in transitions:
        if "condition" not in transition and "error_code" not in transition:
            unconditional[transition["source"]] = unconditional.get(transition["source"], 0) + 1
    for source, count in unconditional.items():
        if count > 1:
            message = (
                f"{count} unconditional outgoing flows would run in parallel in BPMN; "
                "our engine takes only the first: give them conditions"
            )
            warnings.append(Problem(f"activity:{source}", message, severity=WARNING))


def _layout(definitions: ET.Element, keys: set[str]) -> dict[str, dict[str, float]]:
    """Shape centres from the diagram interchange, for activities only."""
    layout: dict[str, dict[str, float]] = {}
    for shape in definitions.iter(q(BPMNDI, "BPMNShape")):
        bounds = shape.find(q(DC, "Bounds"))
        element = shape.get("bpmnElement", "")
        if bounds is None or element not in keys:
            continue
        try:
            x, y = float(bounds.get("x", "")), float(bounds.get("y", ""))
            width, height = float(bounds.get("width", "0")), float(bounds.get("height", "0"))
        except ValueError:
            continue  # a broken shape only loses its position: the writer lays it out again
        centre = Position(round(x + width / 2, 1), round(y + height / 2, 1))
        layout[element] = {"x": _number(centre.x), "y": _number(centre.y)}
    return layout


def _data(node: ET.Element) -> dict[str, Any]:
    """The ticketflow JSON kept in ``<extensionElements><tf:data>`` (empty when absent or broken)."""
    extensions = node.find(q(BPMN, "extensionElements"))
    data = extensions.find(q(TF, "data")) if extensions is not None else None
    if data is None or not (data.text or "").strip():
        return {}
    try:
        value = json.loads(data.text or "")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _documentation(node: ET.Element) -> str:
    return "\n".join(d.text or "" for d in node.findall(q(BPMN, "documentation")))


def _process_key(raw: str, warnings: list[Problem]) -> str:
    """A process key (lower case, digits, ``._-``) from the BPMN process id."""
    key = re.sub(r"[^a-z0-9._-]+", "-", raw.lower()).strip("-._") or "imported-process"
    if key != raw:
        message = f"the process id '{raw}' is not a process key: imported as '{key}'"
        warnings.append(Problem("process", message, "key", severity=WARNING))
    return key


def _local(node: ET.Element) -> str:
    return node.tag.rsplit("}", 1)[-1] if node.tag.startswith(f"{{{BPMN}}}") else f"?{node.tag}"


def _element(node: ET.Element) -> str:
    return f"element:{node.get('id', '?')}"


def _label(node: ET.Element) -> str:
    """``'Name' (Id) `` for messages; ends with a space so callers can run words on."""
    name = node.get("name")
    return f"'{name}' ({node.get('id')}) " if name else f"{node.get('id')} "


def _words(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", camel).replace("_", " ").lower()


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
