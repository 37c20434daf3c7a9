"""Processes ⇄ BPMN 2.0 XML: round trips of the demo processes and the OTOBO examples, diagrams drawn
in other tools (what our engine cannot run is named), auto-layout, and the modeler's merge."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml

from ticketflow.domain.definitions import ActivityType, Position, Process
from ticketflow.domain.errors import DefinitionError, InvalidInputError
from ticketflow.domain.formats.bpmn_layout import auto_layout
from ticketflow.domain.formats.bpmn_merge import edit_element, merge_diagram
from ticketflow.domain.formats.bpmn_names import BPMN, BPMNDI, DC, q
from ticketflow.domain.formats.bpmn_xml import process_from_bpmn, process_to_bpmn
from ticketflow.domain.formats.native_json import process_from_dict, process_to_dict
from ticketflow.domain.formats.otobo_yaml import process_from_otobo

ROOT = Path(__file__).parents[2]
DEMO = sorted((ROOT / "src" / "ticketflow" / "demo" / "processes").glob("*.json"))
EXAMPLES = ROOT / ".." / "shared" / "otobo-examples"
OTOBO = [*sorted(EXAMPLES.glob("*.yml")), ROOT / "tests" / "data" / "processes" / "legacy_ids_otobo.yml"]


def demo(name: str = "purchase-request") -> Process:
    return process_from_dict(
        json.loads((ROOT / "src/ticketflow/demo/processes" / f"{name}.json").read_text())
    )


def without_layout(process: Process) -> dict[str, object]:
    document = process_to_dict(process)
    document.pop("layout", None)
    return document


@pytest.mark.parametrize("path", DEMO, ids=lambda p: p.stem)
def test_demo_processes_round_trip_exactly(path: Path) -> None:
    process = process_from_dict(json.loads(path.read_text()))
    back = process_from_bpmn(process_to_bpmn(process))
    assert back.warnings == ()
    assert process_to_dict(back.process) == process_to_dict(process)


@pytest.mark.parametrize("path", OTOBO, ids=lambda p: p.stem)
def test_otobo_imports_round_trip_with_their_positions_kept_or_laid_out(path: Path) -> None:
    process = process_from_otobo(yaml.safe_load(path.read_text())).process
    back = process_from_bpmn(process_to_bpmn(process)).process
    assert without_layout(back) == without_layout(process)
    assert set(back.layout) == {a.key for a in process.activities}
    for key, position in process.layout.items():
        assert back.layout[key] == position


def test_the_xml_has_a_start_event_tasks_end_events_flows_and_shapes() -> None:
    root = ET.fromstring(process_to_bpmn(demo()))
    process = root.find(q(BPMN, "process"))
    assert process is not None
    kinds = {child.get("id"): child.tag.split("}")[1] for child in process if child.get("id")}
    assert kinds["StartEvent"] == "startEvent"
    assert kinds["request"] == "userTask"
    assert kinds["prepare-order"] == "scriptTask"
    assert kinds["order"] == "serviceTask"
    assert kinds["end"] == "endEvent"
    start_flow = process.find(f"{q(BPMN, 'sequenceFlow')}[@id='StartEvent_flow']")
    assert start_flow is not None
    assert start_flow.get("targetRef") == "request"
    conditions = [c.text for c in process.iter(q(BPMN, "conditionExpression"))]
    assert conditions
    assert all(c and "=" in c for c in conditions)
    shape = root.find(f".//{q(BPMNDI, 'BPMNShape')}[@bpmnElement='approval']")
    assert shape is not None
    bounds = shape.find(q(DC, "Bounds"))
    assert bounds is not None
    # Layout positions are centres; a task is 100×80.
    assert (bounds.get("x"), bounds.get("y"), bounds.get("width")) == ("230", "160", "100")
    edges = root.findall(f".//{q(BPMNDI, 'BPMNEdge')}")
    assert len(edges) == len(demo().transitions) + 1


def test_sub_process_is_a_call_activity_naming_the_called_process() -> None:
    root = ET.fromstring(process_to_bpmn(demo("employee-onboarding")))
    call = root.find(f".//{q(BPMN, 'callActivity')}")
    assert call is not None
    assert call.get("calledElement") == "it-equipment"


def test_auto_layout_places_by_depth_from_the_start_activity() -> None:
    process = replace(demo(), layout={})
    layout = auto_layout(process)
    assert set(layout) == {a.key for a in process.activities}
    assert layout["request"].x < layout["approval"].x < layout["prepare-order"].x
    # order and manual-order are both two steps after prepare-order … stacked in one column at least apart.
    assert len(set(layout.values())) == len(layout)


def test_auto_layout_puts_new_activities_below_the_placed_ones() -> None:
    process = demo()
    partial = replace(process, layout={k: v for k, v in process.layout.items() if k != "delivery"})
    layout = auto_layout(partial)
    assert layout["request"] == process.layout["request"]
    assert layout["delivery"].y > max(p.y for p in process.layout.values())


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    id="d1" targetNamespace="http://example.com">
  <bpmn:process id="Process_Leave Request" name="Leave request" isExecutable="true">
    <bpmn:startEvent id="Start_1"><bpmn:timerEventDefinition/></bpmn:startEvent>
    <bpmn:task id="Ask" name="Ask for leave"/>
    <bpmn:exclusiveGateway id="Gw_1" name="Approved?"/>
    <bpmn:userTask id="Approve" name="Approve"/>
    <bpmn:sendTask id="Notify" name="Notify HR"/>
    <bpmn:intermediateCatchEvent id="Wait" name="Wait a day">
      <bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="End_1"><bpmn:terminateEventDefinition/></bpmn:endEvent>
    <bpmn:textAnnotation id="Note"><bpmn:text>just a note</bpmn:text></bpmn:textAnnotation>
    <bpmn:sequenceFlow id="F0" sourceRef="Start_1" targetRef="Ask"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Ask" targetRef="Gw_1"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Ask" targetRef="Approve">
      <bpmn:conditionExpression>DynamicField_Days &lt; 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F3" sourceRef="Approve" targetRef="Notify"/>
    <bpmn:sequenceFlow id="F4" sourceRef="Approve" targetRef="End_1"/>
    <bpmn:sequenceFlow id="F5" sourceRef="Notify" targetRef="End_1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Di"><bpmndi:BPMNPlane id="P" bpmnElement="Process_Leave Request">
    <bpmndi:BPMNShape id="Ask_di" bpmnElement="Ask">
      <dc:Bounds x="100" y="60" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_a_foreign_diagram_comes_in_with_every_unrunnable_element_named() -> None:
    imported = process_from_bpmn(FOREIGN)
    process = imported.process
    assert process.key == "process_leave-request"
    assert process.start_activity == "Ask"
    kinds = {a.key: a.type for a in process.activities}
    assert kinds == {
        "Ask": ActivityType.USER_TASK,
        "Approve": ActivityType.USER_TASK,
        "Notify": ActivityType.SERVICE_TASK,
        "End_1": ActivityType.END,
    }
    assert [t.key for t in process.transitions] == ["F2", "F3", "F4", "F5"]
    assert process.layout == {"Ask": Position(150, 100)}
    messages = {(w.element, w.message) for w in imported.warnings}
    elements = {element for element, _ in messages}
    assert {"element:Gw_1", "element:Wait", "element:Start_1", "element:End_1"} <= elements
    assert {"activity:Ask", "activity:Notify", "activity:Approve", "process"} <= elements
    assert (
        "element:Gw_1",
        "exclusive gateway 'Approved?' (Gw_1) is not run by our engine: dropped with its flows",
    ) in messages
    assert any("parallel" in m for e, m in messages if e == "activity:Approve")
    assert all(w.severity == "warning" for w in imported.warnings)
    assert "element:Note" not in elements


def test_a_condition_in_another_language_refuses_the_import_naming_the_flow() -> None:
    foreign = FOREIGN.replace("DynamicField_Days &lt; 10", "${days &lt; 10}")
    with pytest.raises(DefinitionError) as refused:
        process_from_bpmn(foreign)
    assert [p.element for p in refused.value.problems] == ["transition:F2"]
    assert "${days < 10}" in refused.value.problems[0].message


def test_no_start_event_is_refused() -> None:
    with pytest.raises(DefinitionError, match="no start event"):
        process_from_bpmn(FOREIGN.replace("bpmn:startEvent", "bpmn:startEventX"))


@pytest.mark.parametrize(
    "text",
    ["not xml at all", "<root/>", '<!DOCTYPE x [<!ENTITY a "b">]><bpmn:definitions/>'],
)
def test_documents_that_are_not_bpmn_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        process_from_bpmn(text)


def test_merge_keeps_the_drafts_data_takes_names_and_structure_from_the_canvas() -> None:
    draft = demo()
    xml = process_to_bpmn(draft)
    xml = xml.replace('name="Manager approval"', 'name="Approval by the manager"')
    root = ET.fromstring(xml)
    process = root.find(q(BPMN, "process"))
    assert process is not None
    # The canvas knows no tf:data (bpmn-js would keep it, but the draft must win anyway).
    for extensions in list(process.iter(q(BPMN, "extensionElements"))):
        for parent in process.iter():
            if extensions in list(parent):
                parent.remove(extensions)
    delivery = process.find(f"{q(BPMN, 'userTask')}[@id='delivery']")
    assert delivery is not None
    process.remove(delivery)
    ET.SubElement(process, q(BPMN, "scriptTask"), {"id": "Activity_new", "name": "New step"})
    merged = merge_diagram(draft, ET.tostring(root, encoding="unicode")).process
    approval = merged.find_activity("approval")
    assert approval is not None
    assert approval.name == "Approval by the manager"
    assert approval.dialogs == draft.find_activity("approval").dialogs  # type: ignore[union-attr]
    assert merged.find_activity("delivery") is None
    new = merged.find_activity("Activity_new")
    assert new is not None
    assert new.script is not None
    assert new.script.script == "choose-a-script"
    assert all("delivery" not in (t.source, t.target) for t in merged.transitions)
    kept = [t for t in draft.transitions if "delivery" not in (t.source, t.target)]
    assert [t.condition for t in merged.transitions] == [t.condition for t in kept]
    assert merged.description == draft.description


def test_edit_element_renames_and_validates_the_condition() -> None:
    draft = demo()
    transition = draft.transitions[1]
    edited = edit_element(draft, transition.key, name="ok", description="d", condition="Priority > 3")
    changed = next(t for t in edited.transitions if t.key == transition.key)
    assert (changed.name, changed.description) == ("ok", "d")
    assert changed.condition is not None
    with pytest.raises(InvalidInputError) as refused:
        edit_element(draft, transition.key, name="x", description="", condition="Priority >")
    assert refused.value.field == "condition"
    with pytest.raises(InvalidInputError) as unnamed:
        edit_element(draft, "approval", name=" ", description="")
    assert unnamed.value.field == "name"
