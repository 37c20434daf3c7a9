"""Built-in scripts for script tasks, and business hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow.domain.effects import AddArticle, Effect, SetValue
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.scripts import BUILTIN_SCRIPTS, ScriptContext
from ticketflow.domain.scripts.business_hours import BusinessHours
from ticketflow.domain.tickets import TicketSnapshot, Value

NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=UTC)  # a Friday
SNAPSHOT = TicketSnapshot(
    attributes={"TicketID": "42", "Title": "New laptop", "Queue": "Raw", "ParentTicketID": "7"},
    dynamic_fields={
        "Category": "hw",
        "Items": ("laptop", "mouse"),
        "Due": "2025-03-17 09:00:00",
        "Target": "old",
    },
    customer={"UserEmail": "jane@example.com", "UserPhone": "+49 1"},
    linked={
        "7": {"Title": "Parent order", "DynamicField_Budget": "1000"},
        "9": {"DynamicField_Items": ("desk",)},
    },
)


def run(script: str, **parameters: str) -> tuple[Effect, ...]:
    return BUILTIN_SCRIPTS[script].run(ScriptContext(SNAPSHOT, parameters, NOW, "prepare"))


def test_builtins_are_registered_and_describe_their_parameters() -> None:
    assert set(BUILTIN_SCRIPTS) == {"set_fields", "copy_fields", "compute_date", "add_article", "map_value"}
    for name, script in BUILTIN_SCRIPTS.items():
        assert script.name == name
        assert script.description
        assert script.parameters


class TestSetFields:
    def test_sets_values_and_templates(self) -> None:
        effects = run(
            "set_fields",
            Title="Order: <OTOBO_TICKET_Title>",
            DynamicField_Mail="<OTOBO_CUSTOMER_DATA_UserEmail>",
            DynamicField_Copy="<OTOBO_TICKET_DynamicField_Items_Data>",
        )
        assert effects == (
            SetValue("Title", "Order: New laptop"),
            SetValue("DynamicField_Mail", "jane@example.com"),
            SetValue("DynamicField_Copy", ("laptop", "mouse")),
        )

    def test_unchanged_values_give_no_effect_and_empty_clears(self) -> None:
        assert run("set_fields", Queue="Raw", DynamicField_Category="") == (
            SetValue("DynamicField_Category", None),
        )

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ({}, "at least one"),
            ({"Title": ""}, "Title may not be empty"),
            ({"TicketNumber": "1"}, "'TicketNumber' cannot be set"),
            ({"DynamicField_": "x"}, "cannot be set"),
        ],
    )
    def test_bad_parameters_are_script_errors(self, parameters: dict[str, str], message: str) -> None:
        with pytest.raises(ScriptError, match=message):
            run("set_fields", **parameters)


class TestCopyFields:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("CustomerData_UserPhone", "+49 1"),
            ("Parent_Title", "Parent order"),
            ("Parent_DynamicField_Budget", "1000"),
            ("Linked_9_DynamicField_Items", ("desk",)),
            ("DynamicField_Category", "hw"),
            ("CustomerData_UserFax", None),
            ("Parent_DynamicField_Nothing", None),
        ],
    )
    def test_copies_from_each_kind_of_source(self, source: str, expected: Value | None) -> None:
        assert run("copy_fields", DynamicField_Target=source) == (SetValue("DynamicField_Target", expected),)

    def test_copying_an_equal_value_gives_no_effect(self) -> None:
        assert run("copy_fields", DynamicField_Category="DynamicField_Category") == ()

    @pytest.mark.parametrize(
        ("source", "message"),
        [
            ("Linked_8_Title", "ticket 8 is not linked"),
            ("Linked_9", "Linked_<ticket id>_<ticket-data name>"),
            ("Linked__Title", "Linked_<ticket id>_<ticket-data name>"),
        ],
    )
    def test_bad_sources_are_script_errors(self, source: str, message: str) -> None:
        with pytest.raises(ScriptError, match=message):
            run("copy_fields", Title=source)

    def test_parent_source_needs_a_parent(self) -> None:
        orphan = TicketSnapshot({"Title": "x"})
        with pytest.raises(ScriptError, match="no parent"):
            BUILTIN_SCRIPTS["copy_fields"].run(ScriptContext(orphan, {"Title": "Parent_Title"}, NOW, "a"))

    def test_needs_a_parameter(self) -> None:
        with pytest.raises(ScriptError, match="at least one"):
            run("copy_fields")


class TestMapValue:
    def test_maps_through_the_table(self) -> None:
        assert run(
            "map_value", Source="DynamicField_Category", Target="Queue", Map="hw=>Hardware; sw=>Software"
        ) == (SetValue("Queue", "Hardware"),)

    def test_maps_each_item_of_a_list(self) -> None:
        effects = run(
            "map_value",
            Source="DynamicField_Items",
            Target="DynamicField_Kinds",
            Map="laptop=>IT",
            Default="Misc",
        )
        assert effects == (SetValue("DynamicField_Kinds", ("IT", "Misc")),)

    def test_default_covers_unknown_and_missing_values(self) -> None:
        assert run(
            "map_value", Source="DynamicField_Nothing", Target="Queue", Map="a=>b", Default="Misc"
        ) == (SetValue("Queue", "Misc"),)

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ({"Source": "DynamicField_Category", "Target": "Queue", "Map": "sw=>Software"}, "holds 'hw'"),
            (
                {"Source": "DynamicField_Category", "Target": "Queue", "Map": "hw:Hardware"},
                "is not '<value> => <result>'",
            ),
            ({"Source": "DynamicField_Category", "Target": "Queue", "Map": " ; "}, "'Map' is empty"),
            ({"Target": "Queue", "Map": "a=>b"}, "'Source' is required"),
            ({"Source": "Title", "Target": "TicketID", "Map": "a=>b"}, "cannot be set"),
        ],
    )
    def test_bad_parameters_are_script_errors(self, parameters: dict[str, str], message: str) -> None:
        with pytest.raises(ScriptError, match=message):
            run("map_value", **parameters)


class TestAddArticle:
    def test_adds_an_article_from_templates(self) -> None:
        assert run(
            "add_article",
            Subject="Order <OTOBO_TICKET_Title>",
            Body="Items: <OTOBO_TICKET_DynamicField_Items>",
            Channel="Phone",
            VisibleForCustomer="1",
        ) == (
            AddArticle(
                subject="Order New laptop",
                body="Items: laptop, mouse",
                channel="Phone",
                visible_for_customer=True,
            ),
        )

    def test_defaults_are_an_internal_hidden_system_article(self) -> None:
        assert run("add_article", Body="x") == (AddArticle(subject="", body="x"),)

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ({}, "'Body' is required"),
            ({"Body": "x", "VisibleForCustomer": "yes"}, "must be 0 or 1"),
            ({"Body": "x", "SenderType": "robot"}, "SenderType"),
        ],
    )
    def test_bad_parameters_are_script_errors(self, parameters: dict[str, str], message: str) -> None:
        with pytest.raises(ScriptError, match=message):
            run("add_article", **parameters)


WEEKDAYS = "Mon-Fri 08:00-17:00"


class TestComputeDate:
    @pytest.mark.parametrize(
        ("parameters", "expected"),
        [
            ({"Offset": "+3d"}, "2025-03-17 10:00:00"),
            ({"Offset": "-2h"}, "2025-03-14 08:00:00"),
            ({"Offset": "+30m"}, "2025-03-14 10:30:00"),
            ({"Offset": "+1d4h30m"}, "2025-03-15 14:30:00"),
            ({"Offset": "- 1d"}, "2025-03-13 10:00:00"),
            ({"Offset": "+3d", "BusinessHours": WEEKDAYS}, "2025-03-19 10:00:00"),
            ({"Offset": "+8h", "BusinessHours": WEEKDAYS}, "2025-03-17 09:00:00"),
            ({"Offset": "+7h", "BusinessHours": WEEKDAYS}, "2025-03-14 17:00:00"),
            ({"Offset": "-3h", "BusinessHours": WEEKDAYS}, "2025-03-13 16:00:00"),
            ({"Offset": "+4h", "BusinessHours": "Mon-Fri 08:00-12:00 13:00-17:00"}, "2025-03-14 15:00:00"),
            (
                {"Offset": "+2h", "BusinessHours": "Mon-Thu 08:00-17:00; Fri 08:00-11:00"},
                "2025-03-17 09:00:00",
            ),
            ({"Offset": "+1d", "BusinessHours": "Fri-Mon 09:00-18:00"}, "2025-03-15 10:00:00"),
            (
                {"Offset": "-3h", "BusinessHours": WEEKDAYS, "From": "<OTOBO_TICKET_DynamicField_Due>"},
                "2025-03-14 15:00:00",
            ),
            (
                {"Offset": "+6h", "BusinessHours": WEEKDAYS, "TimeZone": "Europe/Berlin"},
                "2025-03-14 16:00:00",
            ),
            ({"Offset": "+1d", "TimeZone": "UTC"}, "2025-03-15 10:00:00"),
            # Days are wall-clock days in the zone: Berlin switches to summer time on 2025-03-30.
            (
                {"Offset": "+2d", "TimeZone": "Europe/Berlin", "From": "2025-03-28 10:00:00"},
                "2025-03-30 09:00:00",
            ),
        ],
    )
    def test_computes_the_date_from_now(self, parameters: dict[str, str], expected: str) -> None:
        assert run("compute_date", Field="DynamicField_Result", **parameters) == (
            SetValue("DynamicField_Result", expected),
        )

    def test_an_unchanged_date_gives_no_effect(self) -> None:
        assert run("compute_date", Field="DynamicField_Due", Offset="+0m", From="2025-03-17 09:00:00") == ()

    @pytest.mark.parametrize(
        ("parameters", "message"),
        [
            ({"Offset": "3 days"}, "Offset '3 days'"),
            ({"Offset": "+3w"}, "Offset"),
            ({}, "'Offset' is required"),
            ({"Offset": "+1h", "BusinessHours": "Mon-Fri"}, "no hours"),
            ({"Offset": "+1h", "BusinessHours": "Workdays 08:00-17:00"}, "not a day"),
            ({"Offset": "+1h", "BusinessHours": "Mon 17:00-08:00"}, "ends before it starts"),
            ({"Offset": "+1h", "BusinessHours": "Mon 8-17"}, "not a time window"),
            ({"Offset": "+1h", "BusinessHours": "Mon 08:00-25:00"}, "not a time of day"),
            ({"Offset": "+1h", "BusinessHours": " ; "}, "no opening hours"),
            ({"Offset": "+1h", "TimeZone": "Mars/Olympus"}, "not a known time zone"),
            ({"Offset": "+1h", "From": "soon"}, "not a date"),
        ],
    )
    def test_bad_parameters_are_script_errors(self, parameters: dict[str, str], message: str) -> None:
        with pytest.raises(ScriptError, match=message):
            run("compute_date", Field="DynamicField_Result", **parameters)

    def test_field_must_be_settable(self) -> None:
        with pytest.raises(ScriptError, match="cannot be set"):
            run("compute_date", Field="Created", Offset="+1d")


class TestBusinessHours:
    HOURS = BusinessHours.parse("Mon-Fri 08:00-12:00 13:00-17:00")

    @pytest.mark.parametrize(
        ("moment", "duration", "expected"),
        [
            (datetime(2025, 3, 14, 10, tzinfo=UTC), timedelta(0), datetime(2025, 3, 14, 10, tzinfo=UTC)),
            (
                datetime(2025, 3, 15, 10, tzinfo=UTC),
                timedelta(0),
                datetime(2025, 3, 17, 8, tzinfo=UTC),
            ),  # Saturday → Monday opening
            (
                datetime(2025, 3, 14, 12, 30, tzinfo=UTC),
                timedelta(minutes=30),
                datetime(2025, 3, 14, 13, 30, tzinfo=UTC),
            ),
            (datetime(2025, 3, 14, 17, tzinfo=UTC), timedelta(hours=1), datetime(2025, 3, 17, 9, tzinfo=UTC)),
            (
                datetime(2025, 3, 14, 10, tzinfo=UTC),
                timedelta(hours=40),
                datetime(2025, 3, 21, 10, tzinfo=UTC),
            ),  # a working week
            (
                datetime(2025, 3, 17, 9, tzinfo=UTC),
                -timedelta(hours=2),
                datetime(2025, 3, 14, 16, tzinfo=UTC),
            ),
            (
                datetime(2025, 3, 16, 10, tzinfo=UTC),
                -timedelta(hours=1),
                datetime(2025, 3, 14, 16, tzinfo=UTC),
            ),  # Sunday
            (
                datetime(2025, 3, 14, 13, tzinfo=UTC),
                -timedelta(minutes=30),
                datetime(2025, 3, 14, 11, 30, tzinfo=UTC),
            ),
        ],
    )
    def test_add_counts_working_time_only(
        self, moment: datetime, duration: timedelta, expected: datetime
    ) -> None:
        assert self.HOURS.add(moment, duration) == expected

    @pytest.mark.parametrize(
        ("moment", "days", "expected"),
        [
            (datetime(2025, 3, 14, 10, tzinfo=UTC), 1, datetime(2025, 3, 17, 10, tzinfo=UTC)),
            (
                datetime(2025, 3, 14, 18, tzinfo=UTC),
                1,
                datetime(2025, 3, 18, 8, tzinfo=UTC),
            ),  # after hours: next opening
            (
                datetime(2025, 3, 17, 7, tzinfo=UTC),
                -1,
                datetime(2025, 3, 13, 17, tzinfo=UTC),
            ),  # before hours: previous closing
            (datetime(2025, 3, 17, 10, tzinfo=UTC), -1, datetime(2025, 3, 14, 10, tzinfo=UTC)),
            (datetime(2025, 3, 15, 10, tzinfo=UTC), 0, datetime(2025, 3, 17, 8, tzinfo=UTC)),
        ],
    )
    def test_add_days_counts_working_days(self, moment: datetime, days: int, expected: datetime) -> None:
        assert self.HOURS.add_days(moment, days) == expected

    def test_is_open(self) -> None:
        assert self.HOURS.is_open(datetime(2025, 3, 14, 8, tzinfo=UTC))
        assert not self.HOURS.is_open(datetime(2025, 3, 14, 12, 30, tzinfo=UTC))
        assert not self.HOURS.is_open(datetime(2025, 3, 15, 10, tzinfo=UTC))

    def test_day_lists_and_midnight(self) -> None:
        hours = BusinessHours.parse("mon,WED 00:00-24:00")
        assert hours.add(datetime(2025, 3, 10, 23, tzinfo=UTC), timedelta(hours=2)) == datetime(
            2025, 3, 12, 1, tzinfo=UTC
        )


@pytest.mark.parametrize(
    "parameters",
    [
        {"Queue": "Raw", "DynamicField_Status": "open", "Title": "x"},
        {"Queue": "Other", "DynamicField_New": "a", "DynamicField_Status": ""},
        {"Priority": "", "Title": "y"},
        {"Nope": "x"},
        {"DynamicField_": "x"},
        {},
        {"Title": "<OTOBO_TICKET_TicketNumber>"},
    ],
)
def test_set_fields_shortcut_gives_what_run_gives(parameters: dict[str, str]) -> None:
    script = BUILTIN_SCRIPTS["set_fields"]
    prepare = getattr(script, "prepare", None)
    assert callable(prepare)
    prepared = prepare(parameters)
    if prepared is None:
        return
    for snapshot in (SNAPSHOT, TicketSnapshot({"Queue": "Other"}, {"New": "a", "Status": ""})):
        context = ScriptContext(snapshot, parameters, NOW, "a")
        assert prepared(context) == script.run(context)
