"""schemathesis against /openapi.json, in-process: no generated request makes the API answer 5xx.

Bounded (a few examples per operation, a few hundred in all) so that it stays quick in ``make test``."""

from __future__ import annotations

import base64

import pytest
import schemathesis
from api_support import PASSWORD, build_test_app
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.slow

AUTH = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
EXAMPLES_PER_OPERATION = 6


def test_no_operation_answers_a_server_error(sqlite_url: str) -> None:
    app = build_test_app(sqlite_url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": AUTH})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        check()
    assert failures == []
