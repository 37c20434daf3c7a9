from fastapi.testclient import TestClient

from ticketflow.config import Settings
from ticketflow.web.app import create_app


def test_health_reports_ok_and_the_database_backend() -> None:
    client = TestClient(create_app(Settings(database_url="sqlite:///var/test.db")))
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "sqlite"


def test_openapi_document_lists_the_health_route() -> None:
    client = TestClient(create_app(Settings()))
    document = client.get("/openapi.json").json()
    assert "/health" in document["paths"]
