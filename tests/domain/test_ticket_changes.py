from datetime import UTC, datetime

import pytest

from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.history import HistoryLine, describe_changes
from ticketflow.domain.ticket_changes import apply_values
from ticketflow.domain.tickets import Ticket

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
STATE_TYPES = {"new": "new", "open": "open", "closed successful": "closed"}


def _ticket() -> Ticket:
    return Ticket(
        id=1,
        number="2026112610000019",
        title="Laptop",
        queue="Raw",
        state="new",
        state_type="new",
        priority="3 normal",
        lock="unlock",
        owner="root@localhost",
        created_at=NOW,
        changed_at=NOW,
        dynamic_fields={"Status": "requested"},
    )


def test_values_set_attributes_state_type_and_dynamic_fields() -> None:
    changed = apply_values(
        _ticket(),
        {"Queue": "Purchasing", "State": "closed successful", "DynamicField_Status": "approved"},
        STATE_TYPES,
    )
    assert (changed.queue, changed.state, changed.state_type) == ("Purchasing", "closed successful", "closed")
    assert changed.dynamic_fields == {"Status": "approved"}


def test_empty_value_clears_a_dynamic_field_and_an_optional_attribute() -> None:
    changed = apply_values(_ticket(), {"DynamicField_Status": "", "Responsible": ""}, STATE_TYPES)
    assert changed.dynamic_fields == {}
    assert changed.responsible is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"Queue": ""}, "Queue"),
        ({"State": "flying"}, "State"),
        ({"PendingTime": "tomorrow"}, "PendingTime"),
        ({"Colour": "red"}, "Colour"),
    ],
)
def test_unusable_values_are_refused_naming_the_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        apply_values(_ticket(), values, STATE_TYPES)
    assert raised.value.field == field


def test_pending_time_is_parsed_as_utc() -> None:
    changed = apply_values(_ticket(), {"PendingTime": "2026-12-01 08:30:00"}, STATE_TYPES)
    assert changed.pending_until == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def test_history_describes_each_change_in_otobo_terms() -> None:
    before = _ticket()
    after = apply_values(
        before, {"Queue": "Purchasing", "State": "open", "DynamicField_Status": "approved"}, STATE_TYPES
    )
    assert describe_changes(before, after) == [
        HistoryLine("Move", "%%Purchasing%%Raw"),
        HistoryLine("StateUpdate", "%%new%%open%%"),
        HistoryLine("TicketDynamicFieldUpdate", "%%FieldName%%Status%%Value%%approved%%OldValue%%requested"),
    ]


def test_unchanged_ticket_writes_no_history() -> None:
    assert describe_changes(_ticket(), apply_values(_ticket(), {"Queue": "Raw"}, STATE_TYPES)) == []
