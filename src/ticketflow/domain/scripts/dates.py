"""Built-in script ``compute_date``: a date relative to now (or to another date), optionally counted in
business hours, written into a ticket field as ``YYYY-MM-DD HH:MM:SS`` (UTC, like all ticket times)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.errors import InvalidInputError, ScriptError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.scripts.business_hours import BusinessHours
from ticketflow.domain.scripts.contract import FunctionScript, ScriptContext, check_target
from ticketflow.domain.ticket_changes import parse_timestamp

_OFFSET = re.compile(r"([+-])\s*((?:\d+\s*[dhm]\s*)+)")
_PART = re.compile(r"(\d+)\s*([dhm])")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_offset(text: str) -> tuple[int, timedelta]:
    """``+3d``, ``-2h``, ``+30m``, ``+1d4h`` as (days, hours-and-minutes), both signed."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        raise ScriptError(f"Offset '{text}' is not like +3d, -2h, +30m or +1d4h")
    sign = -1 if match.group(1) == "-" else 1
    days, rest = 0, timedelta(0)
    for amount, unit in _PART.findall(match.group(2)):
        if unit == "d":
            days += int(amount)
        else:
            rest += timedelta(hours=int(amount)) if unit == "h" else timedelta(minutes=int(amount))
    return sign * days, sign * rest


def _zone(name: str) -> tzinfo:
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ScriptError(f"TimeZone '{name}' is not a known time zone (e.g. Europe/Berlin)") from None


def _base(context: ScriptContext) -> datetime:
    template = context.parameters.get("From", "").strip()
    if not template:
        return context.now
    text = context.render_text(template)
    try:
        return parse_timestamp(text, "From")
    except InvalidInputError:
        raise ScriptError(f"From '{text}' is not a date and time (YYYY-MM-DD HH:MM:SS)") from None


def compute(base: datetime, offset: str, hours: str, zone: tzinfo) -> datetime:
    """``base`` (aware) moved by ``offset``; with ``hours`` (business hours text) only working time counts.
    Calendar days are wall-clock days in ``zone``. Returns aware UTC."""
    days, rest = parse_offset(offset)
    local = base.astimezone(zone)  # aware arithmetic is wall-clock arithmetic in ``zone``
    if hours:
        try:
            calendar = BusinessHours.parse(hours)
        except ValueError as error:
            raise ScriptError(f"BusinessHours: {error}") from None
        local = calendar.add(calendar.add_days(local, days), rest)
    else:
        local = local + timedelta(days=days) + rest
    return local.astimezone(UTC)


def _run_compute_date(context: ScriptContext) -> tuple[Effect, ...]:
    target = check_target(context.required("Field").strip())
    zone = _zone(context.parameters.get("TimeZone", "").strip())
    result = compute(
        _base(context), context.required("Offset"), context.parameters.get("BusinessHours", "").strip(), zone
    )
    value = result.strftime(TIMESTAMP_FORMAT)
    if context.snapshot.value(target) == value:
        return ()
    return (SetValue(target, value),)


COMPUTE_DATE = FunctionScript(
    name="compute_date",
    description=(
        "Writes a date computed from now into a field, e.g. a due date three business days ahead. "
        "Offset counts days (d), hours (h) and minutes (m); with BusinessHours, days are working days "
        "and hours/minutes working time. The result is YYYY-MM-DD HH:MM:SS in UTC."
    ),
    parameters=(
        Parameter("Field", "Ticket-data name to set.", required=True, example="DynamicField_DueDate"),
        Parameter("Offset", "Signed offset: +3d, -2h, +30m, +1d4h.", required=True, example="+3d"),
        Parameter("BusinessHours", "Opening hours to count in.", example="Mon-Fri 08:00-17:00"),
        Parameter("TimeZone", "Zone of the business hours and days (default UTC).", example="Europe/Berlin"),
        Parameter(
            "From", "Start date instead of now; may be a placeholder.", example="<OTOBO_TICKET_Created>"
        ),
    ),
    function=_run_compute_date,
)
