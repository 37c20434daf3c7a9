"""``ticketflow monitoring show/daily``: the numbers of the approval process after tickets ran
through it from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from cli_support import APPROVAL, Run, error_lines


@pytest.fixture
def two_tickets(deployed: Run) -> Run:
    """Two tickets of the approval process: ticket 1 decided (completed), ticket 2 waiting at review."""
    for item in ("chair", "desk"):
        deployed(
            "ticket",
            "create",
            "--process",
            "cli-approval",
            "--field",
            f"Title=Need a {item}",
            "--field",
            f"Item={item}",
        )
    deployed("dialog", "submit", "1", "decide", "--field", "DynamicField_Decision=approved")
    return deployed


def test_show_prints_a_row_per_activity(two_tickets: Run) -> None:
    out = two_tickets("monitoring", "show", "cli-approval").stdout
    assert "CLI approval (cli-approval), all versions" in out
    review = next(line for line in out.splitlines() if "(review)" in line)
    cells = [cell.strip() for cell in review.split("│")[1:-1]]
    # Activity, type, inside, active, waiting, failed, incidents, ended visits
    assert cells[:8] == ["Review (review)", "user_task", "1", "1", "0", "0", "0", "1"]


def test_show_as_json_for_one_version(two_tickets: Run) -> None:
    shown = json.loads(two_tickets("monitoring", "show", "cli-approval", "--version", "1", "--json").stdout)
    assert (shown["key"], shown["version"], shown["versions"]) == ("cli-approval", 1, [1])
    review = next(a for a in shown["activities"] if a["key"] == "review")
    assert (review["active"], review["open"], review["open_incidents"]) == (1, 1, 0)
    assert review["dwell"]["finished"] == 1
    assert review["dwell"]["open_visits"] == 1
    assert review["dwell"]["oldest_open_since"].startswith(datetime.now(UTC).date().isoformat())


def test_daily_counts_starts_and_completions_of_today(two_tickets: Run) -> None:
    counted = json.loads(
        two_tickets("monitoring", "daily", "--process", "cli-approval", "--days", "2", "--json").stdout
    )
    assert counted["process"] == "cli-approval"
    assert [d["day"] for d in counted["days"]][-1] == datetime.now(UTC).date().isoformat()
    assert counted["days"][-1] | {"day": ""} == {"day": "", "started": 2, "completed": 1, "failed": 0}
    assert counted["days"][0]["started"] == 0
    table = two_tickets("monitoring", "daily").stdout
    assert "All processes: last 30 day(s)" in table
    assert table.count("│ 20") == 30  # a row per day (the dates of this century)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["show", "nothing-here"], "process 'nothing-here' does not exist"),
        (["show", "cli-approval", "--version", "9"], "process 'cli-approval' has no version 9"),
        (["show", "cli-approval", "--version", "0"], "--version: '0' is not a version number"),
        (["daily", "--days", "0"], "--days: must be between 1 and 366"),
        (["daily", "--process", "nothing-here"], "process 'nothing-here' does not exist"),
    ],
)
def test_bad_input_is_one_clear_line(deployed: Run, args: list[str], expected: str) -> None:
    failed = deployed("monitoring", *args, ok=False)
    assert len(error_lines(failed)) == 1
    assert expected in error_lines(failed)[0]


def test_daily_counts_the_days_of_the_desks_time_zone(
    two_tickets: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # UTC+14 all year: its today is UTC's tomorrow from 10:00 UTC on, so the two can be told apart.
    monkeypatch.setenv("TICKETFLOW_TIME_ZONE", "Pacific/Kiritimati")
    counted = json.loads(two_tickets("monitoring", "daily", "--days", "2", "--json").stdout)
    assert counted["time_zone"] == "Pacific/Kiritimati"
    assert counted["days"][-1]["day"] == datetime.now(ZoneInfo("Pacific/Kiritimati")).date().isoformat()
    assert counted["days"][-1]["started"] == 2
    assert "last 2 day(s) in Pacific/Kiritimati" in two_tickets("monitoring", "daily", "--days", "2").stdout


def test_an_unknown_time_zone_is_one_clear_line(deployed: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETFLOW_TIME_ZONE", "Mars/Olympus_Mons")
    [line] = error_lines(deployed("monitoring", "daily", ok=False))
    assert "time_zone" in line
    assert "'Mars/Olympus_Mons' is not an IANA time zone" in line


def test_a_process_imported_but_never_deployed_is_told_apart_from_an_unknown_one(fields: Run) -> None:
    fields("process", "import", str(APPROVAL))
    failed = fields("monitoring", "show", "cli-approval", ok=False)
    assert error_lines(failed) == ["error: process 'cli-approval' has no deployed version"]
