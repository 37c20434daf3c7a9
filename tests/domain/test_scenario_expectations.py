"""A saved scenario's expectation against the end of a run: each difference in one readable sentence."""

from __future__ import annotations

from ticketflow.domain.positions import PositionStatus, ProcessPosition
from ticketflow.domain.simulation import Expectation, SimulationReport, differences


def _report(activity: str, data: dict[str, str | tuple[str, ...]]) -> SimulationReport:
    position = ProcessPosition("p", 1, activity, PositionStatus.ACTIVE)
    return SimulationReport(
        (), ("start", activity), position, data, "no more dialog submissions in the scenario"
    )


def test_a_run_that_ends_as_expected_has_no_differences() -> None:
    report = _report("review", {"Queue": "Raw", "DynamicField_Tags": ("a", "b")})

    assert differences(report, Expectation("review", {"DynamicField_Tags": ("a", "b")})) == ()


def test_every_difference_is_named_values_in_name_order() -> None:
    report = _report("review", {"Queue": "Raw", "DynamicField_Tags": ("a",)})
    expected = Expectation("done", {"Queue": "Sales", "DynamicField_Tags": ("a", "b"), "Owner": "bob"})

    assert differences(report, expected) == (
        "ended at 'review' (active: no more dialog submissions in the scenario), expected 'done'",
        "DynamicField_Tags is ['a'], expected ['a', 'b']",
        "Owner is empty, expected 'bob'",
        "Queue is 'Raw', expected 'Sales'",
    )
