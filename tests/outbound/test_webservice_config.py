"""Web-service configs (validation, secrets), the request/response mapping, the registered-host guard,
import/export through the CLI, and ``HttpWebServiceClient`` on a mock transport and a real server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_servers import FakeService
from outbound_support import NOW, erp_document
from typer.testing import CliRunner

from ticketflow.cli import app
from ticketflow.domain.errors import InvalidInputError, PermanentError, RetryableError
from ticketflow.domain.tickets import TicketSnapshot
from ticketflow.domain.webservice_mapping import ServiceResponse, build_request, find_path, map_response
from ticketflow.domain.webservices import parse_web_service
from ticketflow.outbound.secrets import SecretStore
from ticketflow.outbound.webservice import HttpWebServiceClient

PARAMS = {"Reference": "r", "Items": "i", "Amount": "1"}
SNAPSHOT = TicketSnapshot({"TicketNumber": "2025030310000017", "Title": "Chairs"}, {"Order": "../../admin"})


def _config(**transport: Any) -> dict[str, Any]:
    document = erp_document("https://erp.example.com")
    config: dict[str, Any] = document["config"]
    config["Requester"]["Transport"]["Config"].update(transport)
    return config


def _route(controller: str, method: str = "GET") -> dict[str, Any]:
    return {"InvokerControllerMapping": {"CreateOrder": {"Command": method, "Controller": controller}}}


def _request(config: dict[str, Any], parameters: dict[str, str]) -> str:
    service = parse_web_service("ERP", config)
    request = build_request(
        service, "CreateOrder", {**PARAMS, **parameters}, SNAPSHOT, timeout=None, idempotency_key="k"
    )
    return request.url


@pytest.mark.parametrize(
    ("transport", "field"),
    [
        ({"Host": "ftp://erp.example.com"}, "Host"),
        ({"Host": "https://user:pw@erp.example.com"}, "Host"),
        (
            {"Authentication": {"AuthType": "BasicAuth", "BasicAuthUser": "u", "BasicAuthPassword": "x"}},
            "Authentication",
        ),
        ({"Authentication": {"AuthType": "BearerToken"}}, "TokenSecret"),
        ({"OutboundHeaders": {"Common": {"Authorization": "Bearer abc"}}}, "Common"),
        (_route("https://evil.example.com/x"), "Controller"),
        (_route("//evil.example.com/x"), "Controller"),
        (_route("/../admin"), "Controller"),
    ],
)
def test_unusable_or_secret_holding_configs_are_refused(transport: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_web_service("ERP", _config(**transport))
    assert field in str(refused.value.field)


def test_no_parameter_or_ticket_value_can_leave_the_registered_base_url() -> None:
    config = _config(**_route("/orders/:Order/<OTOBO_TICKET_DynamicField_Order>"))
    url = _request(config, {"Order": "//evil.example.com/?x=@evil"})
    assert url == "https://erp.example.com/erp/orders/%2F%2Fevil.example.com%2F%3Fx%3D%40evil/..%2F..%2Fadmin"
    assert _request(config, {"Order": ".."}).startswith("https://erp.example.com/erp/orders/%2E%2E/")


def test_get_requests_take_the_parameters_as_query_and_path() -> None:
    config = _config(**_route("/orders/:Id?view=:View"))
    config["Requester"]["Invoker"]["CreateOrder"].pop("MappingOutbound")
    service = parse_web_service("ERP", config)
    request = build_request(
        service,
        "CreateOrder",
        {"Id": "a b", "View": "full", "Extra": "1"},
        SNAPSHOT,
        timeout=None,
        idempotency_key="k",
    )
    assert (request.method, request.url, request.body) == (
        "GET",
        "https://erp.example.com/erp/orders/a%20b",
        None,
    )
    assert request.query == (("view", "full"), ("Extra", "1"))
    assert request.timeout == timedelta(seconds=5)


def test_the_response_mapping_reads_json_paths_and_classifies_statuses() -> None:
    invoker = parse_web_service("ERP", _config()).get_invoker("CreateOrder")
    body = json.dumps({"order": {"id": 4711, "lines": ["a", "b"], "ok": True}})
    assert map_response(invoker, ServiceResponse(201, body), NOW) == {
        "DynamicField_PurchaseOrderNumber": "4711"
    }
    assert find_path(json.loads(body), "$.order.lines[1]") == (True, "b")
    assert find_path(json.loads(body), "$['order'].missing") == (False, None)
    with pytest.raises(PermanentError, match=r"no '\$\.order\.id'"):
        map_response(invoker, ServiceResponse(200, "{}"), NOW)
    with pytest.raises(PermanentError, match="not JSON"):
        map_response(invoker, ServiceResponse(200, "<html>"), NOW)
    with pytest.raises(RetryableError) as throttled:
        map_response(invoker, ServiceResponse(429, "", {"retry-after": "7"}), NOW)
    assert throttled.value.retry_after == timedelta(seconds=7)
    with pytest.raises(RetryableError):
        map_response(invoker, ServiceResponse(502, ""), NOW)
    with pytest.raises(PermanentError):
        map_response(invoker, ServiceResponse(404, ""), NOW)
    with pytest.raises(PermanentError):
        map_response(invoker, ServiceResponse(302, ""), NOW)


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ({"AuthType": "BearerToken", "TokenSecret": "ERP_TOKEN"}, "authorization", "Bearer s3cret"),
        (
            {"AuthType": "BasicAuth", "BasicAuthUser": "erp", "BasicAuthPasswordSecret": "ERP_TOKEN"},
            "authorization",
            "Basic ZXJwOnMzY3JldA==",
        ),
        ({"AuthType": "APIKey", "HeaderName": "X-Api-Key", "KeySecret": "ERP_TOKEN"}, "x-api-key", "s3cret"),
    ],
)
def test_the_client_adds_authentication_from_secrets(auth: dict[str, str], header: str, value: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"order": {"id": "1"}})

    service = parse_web_service("ERP", _config(Authentication=auth))
    request = build_request(service, "CreateOrder", PARAMS, SNAPSHOT, timeout=None, idempotency_key="job-1")
    client = HttpWebServiceClient(
        SecretStore(environ={"TICKETFLOW_SECRET_ERP_TOKEN": "s3cret"}), transport=httpx.MockTransport(answer)
    )
    try:
        response = client.call(request)
    finally:
        client.close()
    assert response.status == 201
    assert seen[0].headers[header] == value
    assert seen[0].headers["idempotency-key"] == "job-1"


def test_a_missing_secret_is_permanent_and_a_closed_port_retryable(tmp_path: Path) -> None:
    service = parse_web_service(
        "ERP", _config(Authentication={"AuthType": "BearerToken", "TokenSecret": "NOPE"})
    )
    request = build_request(service, "CreateOrder", PARAMS, SNAPSHOT, timeout=None, idempotency_key="k")
    client = HttpWebServiceClient(SecretStore(environ={}))
    try:
        with pytest.raises(PermanentError, match="secret 'NOPE'"):
            client.call(request)
        closed = parse_web_service("ERP", {**erp_document("http://127.0.0.1:1")["config"]})
        with pytest.raises(RetryableError, match="failed"):
            client.call(
                build_request(closed, "CreateOrder", PARAMS, SNAPSHOT, timeout=None, idempotency_key="k")
            )
    finally:
        client.close()


def test_secrets_file_and_429_from_a_real_server(
    tmp_path: Path, http_service: FakeService, service_url: str
) -> None:
    secrets = tmp_path / "secrets"
    secrets.write_text("# comment\nERP_TOKEN = from-file\n")
    config = erp_document(service_url)["config"]
    config["Requester"]["Transport"]["Config"]["Authentication"] = {
        "AuthType": "BearerToken",
        "TokenSecret": "ERP_TOKEN",
    }
    http_service.mode = "throttle"
    service = parse_web_service("ERP", config)
    request = build_request(
        service,
        "CreateOrder",
        PARAMS,
        SNAPSHOT,
        timeout=None,
        idempotency_key="k",
    )
    client = HttpWebServiceClient(SecretStore(secrets, environ={}))
    try:
        response = client.call(request)
    finally:
        client.close()
    assert http_service.requests[0].headers["authorization"] == "Bearer from-file"
    with pytest.raises(RetryableError) as throttled:
        map_response(service.get_invoker("CreateOrder"), response, NOW)
    assert throttled.value.retry_after == timedelta(seconds=7)


def test_import_export_list_show_through_the_cli(sqlite_url: str, tmp_path: Path) -> None:
    document = erp_document("https://erp.example.com")
    auth = {"AuthType": "BearerToken", "TokenSecret": "ERP_TOKEN"}
    document["config"]["Requester"]["Transport"]["Config"]["Authentication"] = auth
    source = tmp_path / "erp.json"
    source.write_text(json.dumps(document))
    leaky = tmp_path / "leaky.json"
    document["config"]["Requester"]["Transport"]["Config"]["Authentication"] = {**auth, "Token": "s3cret"}
    document["name"] = "Leaky"
    leaky.write_text(json.dumps(document))
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--database-url", sqlite_url, "webservice", *args])

    assert run("import", str(source)).exit_code == 0
    refused = run("import", str(leaky))
    assert refused.exit_code != 0
    assert "secret" in refused.output
    exported = run("export", "ERP")
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["config"]["Requester"]["Transport"]["Config"]["Authentication"] == auth
    assert "s3cret" not in exported.stdout
    listed = run("list")
    assert "https://erp.example.com/erp" in listed.stdout
    assert "ERP_TOKEN" in run("show", "ERP").stdout
