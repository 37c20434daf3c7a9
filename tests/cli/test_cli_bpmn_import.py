"""``process import FILE.bpmn``: a diagram drawn in another BPMN tool comes in as a draft, with what
our engine cannot run named; refusals change nothing."""

from __future__ import annotations

from pathlib import Path

from cli_support import Run, error_lines

LEAVE_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="urn:x">
  <bpmn:process id="leave" name="Leave request" isExecutable="true">
    <bpmn:startEvent id="Start_1"/>
    <bpmn:userTask id="Approve" name="Approve the leave"/>
    <bpmn:exclusiveGateway id="Gw_1" name="Approved?"/>
    <bpmn:endEvent id="End_1"/>
    <bpmn:sequenceFlow id="F0" sourceRef="Start_1" targetRef="Approve"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Approve" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _diagram(tmp_path: Path, text: str = LEAVE_REQUEST, name: str = "leave.bpmn") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_foreign_diagram_is_imported_as_a_draft_naming_what_cannot_run(run: Run, tmp_path: Path) -> None:
    result = run("process", "import", str(_diagram(tmp_path)), "--key", "leave-request")

    assert "process leave-request (Leave request) imported as draft revision 1" in result.stdout
    assert "Gw_1" in result.stdout  # the gateway is reported, not silently dropped
    shown = run("process", "show", "leave-request").stdout
    assert "Approve the leave" in shown


def test_an_unreadable_diagram_is_refused_naming_the_file_problem(run: Run, tmp_path: Path) -> None:
    broken = _diagram(tmp_path, "<bpmn:definitions", "broken.xml")

    lines = error_lines(run("process", "import", str(broken), ok=False))

    assert lines
    assert "document" in lines[0]
    assert "leave" not in run("process", "list").stdout


def test_key_is_refused_for_json_which_carries_its_own(run: Run, tmp_path: Path) -> None:
    document = _diagram(tmp_path, "{}", "p.json")

    lines = error_lines(run("process", "import", str(document), "--key", "x", ok=False))

    assert "--key" in lines[0]
    assert "only for BPMN" in lines[0]
