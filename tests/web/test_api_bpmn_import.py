"""``POST /api/v1/processes/import/bpmn``: a BPMN diagram as the request body becomes a draft, with
what our engine cannot run as warnings; refusals are problem documents and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import api_client, basic
from fastapi.testclient import TestClient

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
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
XML = {"Content-Type": "application/xml"}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with api_client(sqlite_url) as created:
        yield created


def test_a_diagram_becomes_a_draft_with_the_unrunnable_elements_as_warnings(client: TestClient) -> None:
    response = client.post(
        "/api/v1/processes/import/bpmn?key=leave-request", content=DIAGRAM, headers=XML | basic("admin")
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["key"], body["name"], body["revision"]) == ("leave-request", "Leave request", 1)
    assert any("Gw_1" in (w["element"] + w["message"]) for w in body["warnings"])
    listed = client.get("/api/v1/processes", headers=basic("admin")).json()
    assert "leave-request" in [p["key"] for p in listed["items"]]


def test_a_broken_diagram_is_a_problem_naming_the_document(client: TestClient) -> None:
    broken = "<bpmn:defi"
    response = client.post("/api/v1/processes/import/bpmn", content=broken, headers=XML | basic("admin"))

    assert response.status_code == 422
    assert "document" in response.text
    assert client.get("/api/v1/processes", headers=basic("admin")).json()["items"] == []


def test_only_administrators_import(client: TestClient) -> None:
    response = client.post("/api/v1/processes/import/bpmn", content=DIAGRAM, headers=XML | basic("writer"))

    assert response.status_code == 403
    assert client.get("/api/v1/processes", headers=basic("admin")).json()["items"] == []
