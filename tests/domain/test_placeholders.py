"""Placeholders in action configs and script parameters (reference §3.6)."""

from __future__ import annotations

import pytest

from ticketflow.domain.placeholders import render, render_text
from ticketflow.domain.tickets import TicketSnapshot, Value

SNAPSHOT = TicketSnapshot(
    attributes={
        "TicketID": "7",
        "TicketNumber": "2025010100007",
        "Title": "New laptop",
        "Queue": "Sales::Orders",
    },
    dynamic_fields={"Items": ("laptop", "mouse"), "Approval": "yes", "Empty": ""},
    customer={"UserEmail": "jane@example.com", "UserFirstname": "Jane"},
)
LABELS = {"Approval": {"yes": "Approved", "no": "Rejected"}, "Items": {"laptop": 'Laptop 14"'}}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("no tags at all", "no tags at all"),
        ("a < b but no tag", "a < b but no tag"),
        ("Ticket <OTOBO_TICKET_TicketNumber>", "Ticket 2025010100007"),
        ("<OTOBO_TICKET_Title> in <OTOBO_TICKET_Queue>", "New laptop in Sales::Orders"),
        ("case: <otobo_ticket_title>", "case: New laptop"),
        ("attribute case: <OTOBO_TICKET_title>", "attribute case: New laptop"),
        ("unknown attribute: [<OTOBO_TICKET_Nonexistent>]", "unknown attribute: []"),
        ("<OTOBO_TICKET_DynamicField_Approval>", "yes"),
        ("<OTOBO_TICKET_DynamicField_Items>", "laptop, mouse"),
        ("<OTOBO_TICKET_DynamicField_Approval_Value>", "Approved"),
        ("<OTOBO_TICKET_DynamicField_Items_Value>", 'Laptop 14", mouse'),
        ("[<OTOBO_TICKET_DynamicField_Missing>]", "[]"),
        ("[<OTOBO_TICKET_DynamicField_Missing_Value>]", "[]"),
        ("Mail <OTOBO_CUSTOMER_DATA_UserEmail>", "Mail jane@example.com"),
        ("Phone <OTOBO_CUSTOMER_DATA_UserPhone>", "Phone -"),
        ("Unknown <OTOBO_CONFIG_FQDN> and <OTOBO_OWNER_UserLogin>", "Unknown - and -"),
        ("<OTRS_TICKET_Title> stays", "<OTRS_TICKET_Title> stays"),
        ("twice <OTOBO_TICKET_TicketID>/<OTOBO_TICKET_TicketID>", "twice 7/7"),
    ],
)
def test_render_replaces_tags_as_otobo(template: str, expected: str) -> None:
    assert render(template, SNAPSHOT, LABELS) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("<OTOBO_TICKET_DynamicField_Items_Data>", ("laptop", "mouse")),
        ("prefix <OTOBO_TICKET_DynamicField_Items_Data> is dropped", ("laptop", "mouse")),
        ("<otobo_ticket_dynamicfield_approval_data>", "yes"),
        ("<OTOBO_TICKET_DynamicField_Missing_Data>", ""),
    ],
)
def test_data_tag_replaces_the_whole_value_with_the_raw_stored_value(template: str, expected: Value) -> None:
    assert render(template, SNAPSHOT) == expected


def test_render_of_a_list_renders_each_item_and_splices_data_lists() -> None:
    value = ("<OTOBO_TICKET_Title>", "<OTOBO_TICKET_DynamicField_Items_Data>", "plain")
    assert render(value, SNAPSHOT) == ("New laptop", "laptop", "mouse", "plain")


def test_render_text_joins_a_list_result_with_commas() -> None:
    assert render_text("<OTOBO_TICKET_DynamicField_Items_Data>", SNAPSHOT) == "laptop,mouse"
    assert render_text("<OTOBO_TICKET_Title>", SNAPSHOT) == "New laptop"


def test_labels_are_optional_and_fall_back_to_the_stored_key() -> None:
    assert render("<OTOBO_TICKET_DynamicField_Approval_Value>", SNAPSHOT) == "yes"


def test_rendering_the_same_template_for_another_ticket_uses_that_ticket() -> None:
    other = TicketSnapshot({"Title": "Chair"})
    assert render("<OTOBO_TICKET_Title>!", SNAPSHOT) == "New laptop!"
    assert render("<OTOBO_TICKET_Title>!", other) == "Chair!"
