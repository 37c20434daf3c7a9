"""Names shared by the BPMN 2.0 XML writer and reader: namespaces, element kinds, shape sizes."""

from __future__ import annotations

from typing import Final
from xml.etree import ElementTree as ET

from ticketflow.domain.definitions import ActivityType

BPMN: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI: Final = "http://www.omg.org/spec/BPMN/20100524/DI"
DC: Final = "http://www.omg.org/spec/DD/20100524/DC"
DI: Final = "http://www.omg.org/spec/DD/20100524/DI"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
# Our extension namespace: what BPMN has no place for (dialogs, script and service calls, transition
# actions) travels as the element's ticketflow JSON inside <tf:data>, so an export is lossless.
TF: Final = "urn:ticketflow:bpmn:1"

PREFIXES: Final = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "tf": TF}
for _prefix, _uri in PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

# The language of a conditionExpression holding our readable expression, and of one holding the JSON
# tree (for the rare condition that has no readable form).
EXPRESSION_LANGUAGE: Final = "urn:ticketflow:expression"
TREE_LANGUAGE: Final = "urn:ticketflow:condition+json"

TAG_OF_TYPE: Final = {
    ActivityType.USER_TASK: "userTask",
    ActivityType.SCRIPT_TASK: "scriptTask",
    ActivityType.SERVICE_TASK: "serviceTask",
    ActivityType.SUB_PROCESS: "callActivity",
    ActivityType.END: "endEvent",
}
TYPE_OF_TAG: Final = {tag: kind for kind, tag in TAG_OF_TYPE.items()}

# bpmn-js's default sizes, so shapes we write look like shapes drawn in the modeler.
TASK_SIZE: Final = (100.0, 80.0)
EVENT_SIZE: Final = (36.0, 36.0)
# The start event has no key in our format; it sits this far left of the start activity.
START_EVENT_OFFSET: Final = 150.0


def q(namespace: str, tag: str) -> str:
    """The ElementTree name ``{namespace}tag``."""
    return f"{{{namespace}}}{tag}"


def size_of(tag: str) -> tuple[float, float]:
    return EVENT_SIZE if tag.endswith("Event") else TASK_SIZE
