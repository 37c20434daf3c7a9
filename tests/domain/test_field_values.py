"""Field values: the shared check behind dialog submissions and dialog defaults."""

from __future__ import annotations

import pytest

from ticketflow.domain.catalog import Catalog, DynamicFieldDefinition, DynamicFieldType
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.field_values import cleared_value, find_dynamic_field, is_empty, normalise_value

CATALOG = Catalog(
    dynamic_fields={
        "Tags": DynamicFieldDefinition("Tags", "Tags", DynamicFieldType.MULTISELECT, {"a": "Alpha"}),
        "Note": DynamicFieldDefinition("Note", "Note", DynamicFieldType.TEXT),
    }
)


@pytest.mark.parametrize(
    ("raw", "empty"),
    [(None, True), ("", True), ("  ", True), ((), True), (["", " "], True), ("x", False), (["", "x"], False)],
)
def test_is_empty_when_nothing_but_blanks(raw: str | list[str] | tuple[str, ...] | None, empty: bool) -> None:
    assert is_empty(raw) is empty


def test_cleared_value_is_an_empty_tuple_only_for_multiselect() -> None:
    assert cleared_value("DynamicField_Tags", CATALOG) == ()
    assert cleared_value("DynamicField_Note", CATALOG) == ""
    assert cleared_value("Title", CATALOG) == ""


def test_find_dynamic_field_needs_the_prefix() -> None:
    assert find_dynamic_field("DynamicField_Note", CATALOG) is CATALOG.dynamic_fields["Note"]
    assert find_dynamic_field("Note", CATALOG) is None


def test_customer_id_is_free_single_line_text() -> None:
    assert normalise_value("CustomerID", " ACME ", CATALOG) == "ACME"


def test_unknown_attribute_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidInputError) as caught:
        normalise_value("Colour", "red", CATALOG)

    assert caught.value.field == "Colour"
    assert caught.value.message == "Colour: is not a ticket field"


def test_multiselect_drops_blank_items() -> None:
    assert normalise_value("DynamicField_Tags", ["a", " ", "Alpha"], CATALOG) == ("a", "a")


@pytest.mark.parametrize(
    ("values", "listed"),
    [
        ({f"v{n}": f"Value {n}" for n in range(3)}, "(v0, v1, v2)"),
        (
            {f"v{n:02}": f"Value {n}" for n in range(12)},
            "(v00, v01, v02, v03, v04, v05, v06, v07, v08, v09 and 2 more)",
        ),
        ({}, "(it has none)"),
    ],
)
def test_a_value_not_offered_is_refused_naming_what_is(values: dict[str, str], listed: str) -> None:
    field = DynamicFieldDefinition("Size", "Size", DynamicFieldType.DROPDOWN, values)
    catalog = Catalog(dynamic_fields={"Size": field})
    with pytest.raises(InvalidInputError) as caught:
        normalise_value("DynamicField_Size", "huge", catalog)

    assert caught.value.message == f"DynamicField_Size: 'huge' is not one of its possible values {listed}"
