"""The condition evaluator against OTOBO's rules (reference §2.4, §3.4, quirks §3.12) and our extras.

Most tests are vectors: (id, condition, ticket data, expected match). Builders keep them short.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pytest

from ticketflow.domain.conditions import (
    BUILTIN_VALIDATORS,
    VALIDATE_DEMO,
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
    MatchValue,
    Validator,
    condition_fields,
    evaluate,
    find_field_problem,
    list_condition_problems,
)
from ticketflow.domain.errors import ConditionError
from ticketflow.domain.tickets import Value

AND, OR, XOR = Linking.AND, Linking.OR, Linking.XOR
FULL_DEMO = "Kernel::System::ProcessManagement::TransitionValidation::ValidateDemo"


def string(field: str, match: MatchValue) -> FieldMatch:
    return FieldMatch(field, MatchType.STRING, match)


def regexp(field: str, match: MatchValue) -> FieldMatch:
    return FieldMatch(field, MatchType.REGEXP, match)


def array(field: str, *match: str) -> FieldMatch:
    return FieldMatch(field, MatchType.ARRAY, match)


def typeless(field: str) -> FieldMatch:
    return FieldMatch(field, None, "ignored")


def of(kind: MatchType, field: str, match: MatchValue) -> FieldMatch:
    return FieldMatch(field, kind, match)


def group(name: str, kind: Linking, *fields: FieldMatch) -> ConditionGroup:
    return ConditionGroup(name, kind, fields)


def condition(linking: Linking, *groups: ConditionGroup) -> Condition:
    return Condition(linking, groups)


def single(field_match: FieldMatch) -> Condition:
    """One and-group holding one field under and-linking: the field's own verdict."""
    return condition(AND, group("1", AND, field_match))


BROKEN = string("Z_Broken", "")  # a configuration error when reached; sorts after "Queue"
YES = string("Queue", "Raw")  # matches TICKET
NO = string("Queue", "Misc")  # does not match TICKET

TICKET: Mapping[str, Value] = MappingProxyType(
    {
        "Queue": "Raw",
        "State": "open",
        "Priority": "3 normal",
        "Zero": "0",
        "Empty": "",
        "DynamicField_Status": "approved",
        "DynamicField_Tags": ("a", "b"),
        "DynamicField_Twice": ("a", "a"),
        "DynamicField_Blank": ("",),
        "DynamicField_None": (),
        "DynamicField_Amount": "1500",
        "DynamicField_Due": "2024-03-01 12:00:00",
    }
)

Case = tuple[str, Condition, bool]

MATCH_TYPE_CASES: list[Case] = [
    # String (§2.4): exact, case-sensitive; a list matches if an element equals; missing is false.
    ("string equal", single(string("Queue", "Raw")), True),
    ("string differs", single(string("Queue", "Misc")), False),
    ("string is case-sensitive", single(string("Queue", "raw")), False),
    ("string in list", single(string("DynamicField_Tags", "b")), True),
    ("string not in list", single(string("DynamicField_Tags", "c")), False),
    ("string missing", single(string("DynamicField_Nope", "x")), False),
    ("string '0' is a valid match", single(string("Zero", "0")), True),
    ("string against empty data", single(string("Empty", "x")), False),
    # Regexp (§2.4): unanchored search, inline flags work, any list element.
    ("regexp search", single(regexp("Priority", "normal")), True),
    ("regexp no match", single(regexp("Priority", "^5")), False),
    ("regexp inline flag", single(regexp("Queue", "(?i)^RAW$")), True),
    ("regexp list element", single(regexp("DynamicField_Tags", "^b$")), True),
    ("regexp no list element", single(regexp("DynamicField_Tags", "^c$")), False),
    ("regexp missing", single(regexp("DynamicField_Nope", ".*")), False),
    ("regexp empty list", single(regexp("DynamicField_None", ".*")), False),
    # Q5: '' and '0' never match; list elements are not gated (a list itself is Perl-true).
    ("Q5 empty text never matches", single(regexp("Empty", ".*")), False),
    ("Q5 '0' never matches", single(regexp("Zero", "^0$")), False),
    ("Q5 list elements are not gated", single(regexp("DynamicField_Blank", "^$")), True),
    # Array (§2.4, Q3): total count of equal data elements must equal the number wanted.
    ("array contains all", single(array("DynamicField_Tags", "a", "b")), True),
    ("array order is irrelevant", single(array("DynamicField_Tags", "b", "a")), True),
    ("array misses one", single(array("DynamicField_Tags", "a", "c")), False),
    ("array missing data", single(array("DynamicField_Nope", "a")), False),
    ("Q3 duplicates fake a match", single(array("DynamicField_Twice", "a", "b")), True),
    ("Q3 duplicates spoil a match", single(array("DynamicField_Twice", "a")), False),
    ("Q3 repeated wanted element", single(array("DynamicField_Tags", "a", "a")), True),
    ("Q3 repeated on both sides", single(array("DynamicField_Twice", "a", "a")), False),
    ("array empty match holds", single(array("DynamicField_Nope")), True),
    ("array empty match on text", single(array("Queue")), True),
    # Hash (§2.4): the data must be a map, which ticket data never is.
    ("hash against text", single(of(MatchType.HASH, "Queue", {"a": "b"})), False),
    ("hash empty against text", single(of(MatchType.HASH, "Queue", {})), False),
    ("hash missing", single(of(MatchType.HASH, "DynamicField_Nope", {})), False),
    # Module (§2.4): ValidateDemo by short or full name; the field name is only a label.
    ("module short name", single(of(MatchType.MODULE, "PLACEHOLDER", "ValidateDemo")), True),
    ("module full name", single(of(MatchType.MODULE, "asdf", FULL_DEMO)), True),
]

EXTRA_TYPE_CASES: list[Case] = [
    # NotEqual: missing or different; for lists, no element equals.
    ("not-equal differs", single(of(MatchType.NOT_EQUAL, "Queue", "Misc")), True),
    ("not-equal equal", single(of(MatchType.NOT_EQUAL, "Queue", "Raw")), False),
    ("not-equal missing", single(of(MatchType.NOT_EQUAL, "DynamicField_Nope", "x")), True),
    ("not-equal list without", single(of(MatchType.NOT_EQUAL, "DynamicField_Tags", "c")), True),
    ("not-equal list with", single(of(MatchType.NOT_EQUAL, "DynamicField_Tags", "a")), False),
    ("not-equal empty vs empty", single(of(MatchType.NOT_EQUAL, "Empty", "")), False),
    ("not-equal empty vs text", single(of(MatchType.NOT_EQUAL, "Queue", "")), True),
    # NotRegexp: the negation of Regexp, its gate included.
    ("not-regexp no match", single(of(MatchType.NOT_REGEXP, "Queue", "^M")), True),
    ("not-regexp match", single(of(MatchType.NOT_REGEXP, "Queue", "^R")), False),
    ("not-regexp missing", single(of(MatchType.NOT_REGEXP, "DynamicField_Nope", "x")), True),
    ("not-regexp gated empty", single(of(MatchType.NOT_REGEXP, "Empty", ".*")), True),
    # Ordering: numbers when both are numbers (string order would say the opposite here) …
    ("number greater", single(of(MatchType.GREATER_THAN, "DynamicField_Amount", "999")), True),
    ("number not less", single(of(MatchType.LESS_THAN, "DynamicField_Amount", "999")), False),
    ("number equal decimal", single(of(MatchType.LESS_THAN_OR_EQUAL, "Zero", "0.00")), True),
    ("number negative", single(of(MatchType.GREATER_THAN, "Zero", "-2.5")), True),
    ("number at least itself", single(of(MatchType.GREATER_THAN_OR_EQUAL, "Zero", "0")), True),
    ("number strictly", single(of(MatchType.GREATER_THAN, "Zero", "0")), False),
    # … date-times when both are YYYY-MM-DD[ HH:MM[:SS]] …
    ("date after day", single(of(MatchType.GREATER_THAN, "DynamicField_Due", "2024-03-01")), True),
    ("date before minute", single(of(MatchType.LESS_THAN, "DynamicField_Due", "2024-03-01 12:01")), True),
    (
        "date same moment",
        single(of(MatchType.GREATER_THAN_OR_EQUAL, "DynamicField_Due", "2024-03-01 12:00")),
        True,
    ),
    # … else texts: '3 normal' is no number, so "3 normal" >= "3" as text.
    ("text order", single(of(MatchType.GREATER_THAN_OR_EQUAL, "Priority", "3")), True),
    ("text order less", single(of(MatchType.LESS_THAN, "Queue", "Abc")), False),
    ("impossible date is text", single(of(MatchType.LESS_THAN, "DynamicField_Due", "2024-02-30")), False),
    ("number vs date is text", single(of(MatchType.LESS_THAN, "DynamicField_Amount", "2024-01-01")), True),
    # Missing or empty data never compares; a list holds if any element does.
    ("ordering missing", single(of(MatchType.LESS_THAN, "DynamicField_Nope", "5")), False),
    ("ordering empty", single(of(MatchType.LESS_THAN, "Empty", "5")), False),
    ("ordering list any", single(of(MatchType.LESS_THAN, "DynamicField_Tags", "b")), True),
    ("ordering list none", single(of(MatchType.GREATER_THAN, "DynamicField_Tags", "b")), False),
    ("ordering list blank", single(of(MatchType.LESS_THAN, "DynamicField_Blank", "b")), False),
]

LINKING_CASES: list[Case] = [
    # §3.4 points 3–5.
    ("and/and all match", condition(AND, group("1", AND, YES, YES), group("2", AND, YES)), True),
    ("and/and one fails", condition(AND, group("1", AND, YES), group("2", AND, YES, NO)), False),
    ("or linking one group", condition(OR, group("1", AND, NO), group("2", AND, YES)), True),
    ("or linking none", condition(OR, group("1", AND, NO), group("2", OR, NO, NO)), False),
    ("or group one field", condition(AND, group("1", OR, NO, YES)), True),
    ("or group no field", condition(AND, group("1", OR, NO, NO)), False),
    ("xor group exactly one", condition(AND, group("1", XOR, NO, YES, NO)), True),
    ("xor group two", condition(AND, group("1", XOR, YES, YES)), False),
    ("xor group none", condition(AND, group("1", XOR, NO, NO)), False),
    ("xor linking one", condition(XOR, group("1", AND, YES), group("2", AND, NO)), True),
    ("xor linking two", condition(XOR, group("1", AND, YES), group("2", AND, YES)), False),
    ("xor linking xor groups", condition(XOR, group("1", XOR, YES), group("2", XOR, NO)), True),
    # Q1: under xor linking a matching or-group is never counted.
    ("Q1 or-group plus failing", condition(XOR, group("1", OR, YES), group("2", AND, NO)), False),
    ("Q1 or-group plus matching", condition(XOR, group("1", OR, YES), group("2", AND, YES)), True),
    ("Q1 or-group not counted", condition(XOR, group("1", OR, YES, NO)), False),
    ("or-group under and", condition(AND, group("1", OR, YES), group("2", AND, YES)), True),
    # Q2: a typeless field is neither success nor failure.
    ("Q2 and of typeless", condition(AND, group("1", AND, typeless("Queue"))), True),
    ("Q2 or of typeless", condition(AND, group("1", OR, typeless("Queue"))), False),
    ("Q2 typeless beside a match", condition(AND, group("1", XOR, typeless("X"), YES)), True),
    ("Q2 typeless and a failure", condition(AND, group("1", AND, typeless("X"), NO)), False),
    # Q10: no groups: true under and, nothing matched under or/xor.
    ("Q10 no groups and", condition(AND), True),
    ("Q10 no groups or", condition(OR), False),
    ("Q10 no groups xor", condition(XOR), False),
    # Short-circuits hide configuration errors behind them (§3.4 point 6).
    ("and fails before error", condition(AND, group("1", AND, NO), group("2", AND, BROKEN)), False),
    ("or matches before error", condition(OR, group("1", OR, YES, BROKEN)), True),
    ("or group done before error", condition(AND, group("1", OR, YES, BROKEN)), True),
    ("and group abandoned", condition(OR, group("1", AND, NO, BROKEN), group("2", AND, YES)), True),
    ("or group fails early", condition(AND, group("1", OR, NO), group("2", AND, BROKEN)), False),
    # Visit order: groups "10" before "2", fields by name (the tuple holds them unsorted).
    ("groups by string order", condition(AND, group("2", AND, BROKEN), group("10", AND, NO)), False),
    ("fields by name", condition(AND, group("1", AND, string("B", ""), string("A", "x"))), False),
]


@pytest.mark.parametrize(
    ("condition_tree", "expected"),
    [pytest.param(tree, expected, id=name) for name, tree, expected in MATCH_TYPE_CASES],
)
def test_match_types_follow_otobo(condition_tree: Condition, expected: bool) -> None:
    assert evaluate(condition_tree, TICKET).matched is expected


@pytest.mark.parametrize(
    ("condition_tree", "expected"),
    [pytest.param(tree, expected, id=name) for name, tree, expected in EXTRA_TYPE_CASES],
)
def test_extra_comparisons(condition_tree: Condition, expected: bool) -> None:
    assert evaluate(condition_tree, TICKET).matched is expected


@pytest.mark.parametrize(
    ("condition_tree", "expected"),
    [pytest.param(tree, expected, id=name) for name, tree, expected in LINKING_CASES],
)
def test_groups_and_linking_follow_otobo(condition_tree: Condition, expected: bool) -> None:
    assert evaluate(condition_tree, TICKET).matched is expected


ERROR_CASES: list[tuple[str, Condition, str]] = [
    ("empty group", condition(AND, group("g1", AND)), "condition group 'g1' has no fields"),
    ("string empty", single(string("Queue", "")), "field 'Queue': a String match must not be empty"),
    ("string list", single(string("Queue", ("a",))), "a String match must be a text"),
    ("string map", single(string("Queue", {"a": "b"})), "not a key/value map"),
    ("regexp empty", single(regexp("Queue", "")), "must not be empty or '0'"),
    ("regexp zero", single(regexp("Queue", "0")), "must not be empty or '0'"),
    ("regexp list", single(regexp("Queue", ("a",))), "a Regexp match must be a text"),
    ("regexp broken", single(regexp("Queue", "(")), "the pattern /(/ does not compile"),
    ("regexp POSIX class", single(regexp("Q", "[[:alpha:]]")), "is ambiguous in Python: Possible"),
    ("array text", single(of(MatchType.ARRAY, "Tags", "a")), "an Array match must be a list"),
    ("hash list", single(of(MatchType.HASH, "H", ("a",))), "a Hash match must be a key/value map"),
    ("module unknown", single(of(MatchType.MODULE, "X", "Nope")), "no validation module 'Nope'"),
    ("module empty", single(of(MatchType.MODULE, "X", "")), "a Module match must not be empty"),
    ("not-equal list", single(of(MatchType.NOT_EQUAL, "Q", ("a",))), "a NotEqual match must be"),
    ("not-regexp zero", single(of(MatchType.NOT_REGEXP, "Q", "0")), "NotRegexp pattern must not"),
    ("ordering empty", single(of(MatchType.LESS_THAN, "Q", "")), "a LessThan match must not be"),
    # Q4: OTOBO dies on an Array match against text data; for us a configuration error.
    ("Q4 array on text", single(array("Queue", "Raw")), "an Array match needs list data"),
    # Errors are met in visit order: "10" is visited before "9".
    ("order of errors", condition(AND, group("9", AND, YES), group("10", AND, string("F", ""))), "'10'"),
    ("xor group visits all", condition(AND, group("1", XOR, YES, string("Z", ""))), "field 'Z'"),
    # A failing xor group under and-linking does not stop the visit (OTOBO only counts it).
    ("xor fails, visit goes on", condition(AND, group("1", XOR, NO), group("2", AND, BROKEN)), "'2'"),
    ("and-group visits all on success", condition(AND, group("1", AND, YES, BROKEN)), "'Z_Broken'"),
]


@pytest.mark.parametrize(
    ("condition_tree", "message_part"),
    [pytest.param(tree, part, id=name) for name, tree, part in ERROR_CASES],
)
def test_configuration_errors_raise_when_reached(condition_tree: Condition, message_part: str) -> None:
    with pytest.raises(ConditionError) as raised:
        evaluate(condition_tree, TICKET)
    assert message_part in str(raised.value)
    assert raised.value.code == "condition_error"


def test_error_message_names_group_and_field() -> None:
    with pytest.raises(ConditionError, match=r"^condition group '2', field 'Z_Broken': "):
        evaluate(condition(AND, group("1", AND, YES), group("2", AND, BROKEN)), TICKET)


def test_module_gets_the_whole_ticket_data_and_a_custom_name_resolves() -> None:
    seen: list[Mapping[str, Value]] = []

    def validator(data: Mapping[str, Value]) -> bool:
        seen.append(data)
        return True

    registered: dict[str, Validator] = {
        "Kernel::System::ProcessManagement::TransitionValidation::Mine": validator
    }
    result = evaluate(single(of(MatchType.MODULE, "label", "Mine")), TICKET, registered)
    assert result.matched is True
    assert seen == [TICKET]
    assert result.reasons[0] == "validation module Mine says yes"


def test_validate_demo_is_built_in() -> None:
    assert VALIDATE_DEMO({"Queue": "Raw"}) is True
    assert VALIDATE_DEMO({"Queue": "Misc"}) is False
    assert VALIDATE_DEMO({}) is False
    assert BUILTIN_VALIDATORS["ValidateDemo"] is VALIDATE_DEMO
    queue_misc = {**TICKET, "Queue": "Misc"}
    assert evaluate(single(of(MatchType.MODULE, "x", FULL_DEMO)), queue_misc).matched is False


# --- reasons ------------------------------------------------------------------------------------

REASON_CASES: list[tuple[str, FieldMatch, str]] = [
    (
        "string",
        string("DynamicField_Status", "approved"),
        "DynamicField_Status is 'approved', equals 'approved'",
    ),
    ("string no", string("Queue", "Misc"), "Queue is 'Raw', does not equal 'Misc'"),
    ("string list", string("DynamicField_Tags", "b"), "DynamicField_Tags is ['a', 'b'], contains 'b'"),
    ("regexp", regexp("Priority", "^5"), "Priority is '3 normal', does not match /^5/"),
    ("missing", string("DynamicField_Amount2", "1"), "DynamicField_Amount2 is missing"),
    ("Q5", regexp("Zero", "^0$"), "Zero is '0', which never matches a pattern (OTOBO quirk Q5)"),
    (
        "array",
        array("DynamicField_Tags", "a", "c"),
        "DynamicField_Tags is ['a', 'b'], does not contain all of ['a', 'c']",
    ),
    (
        "Q3",
        array("DynamicField_Twice", "a", "b"),
        "DynamicField_Twice is ['a', 'a']: 2 equal element(s) counted for 2 wanted"
        " in ['a', 'b'], so a match (OTOBO quirk Q3)",
    ),
    ("hash", of(MatchType.HASH, "Queue", {}), "Queue is 'Raw', not a key/value map"),
    (
        "numbers",
        of(MatchType.GREATER_THAN, "DynamicField_Amount", "999"),
        "DynamicField_Amount is '1500', greater than '999' (as numbers)",
    ),
    (
        "dates",
        of(MatchType.LESS_THAN, "DynamicField_Due", "2024-01-01"),
        "DynamicField_Due is '2024-03-01 12:00:00', not less than '2024-01-01' (as dates)",
    ),
    (
        "texts",
        of(MatchType.GREATER_THAN_OR_EQUAL, "Priority", "3"),
        "Priority is '3 normal', at least '3' (as texts)",
    ),
    (
        "not-equal",
        of(MatchType.NOT_EQUAL, "DynamicField_X", "a"),
        "DynamicField_X is missing, so it differs from 'a'",
    ),
    ("Q2", typeless("Queue"), "Queue has no match type and is ignored (OTOBO quirk Q2)"),
]


@pytest.mark.parametrize(
    ("field_match", "reason"),
    [pytest.param(field_match, reason, id=name) for name, field_match, reason in REASON_CASES],
)
def test_reasons_are_readable_sentences(field_match: FieldMatch, reason: str) -> None:
    assert evaluate(single(field_match), TICKET).reasons[0] == reason


def test_reasons_follow_the_visit_and_end_with_the_verdict() -> None:
    tree = condition(XOR, group("2", AND, NO), group("1", OR, YES))
    assert evaluate(tree, TICKET) == evaluate(tree, dict(TICKET))  # any mapping will do
    assert evaluate(tree, TICKET).reasons == (
        "Queue is 'Raw', equals 'Raw'",
        "group '1' (or) matched but is not counted under xor-linking (OTOBO quirk Q1)",
        "Queue is 'Raw', does not equal 'Misc'",
        "group '2' (and) failed",
        "0 group(s) counted as matched; xor needs exactly one, so it fails",
    )


def test_long_values_are_shortened_in_reasons() -> None:
    reason = evaluate(single(string("Title", "x")), {"Title": "y" * 200}).reasons[0]
    assert reason == f"Title is '{'y' * 60}…', does not equal 'x'"


# --- complementary pairs (any data) ---------------------------------------------------------------

PROBES: list[Value | None] = [None, "", "0", "Raw", "raw", "Rawhide", (), ("",), ("Raw", "x"), ("x",)]


@pytest.mark.parametrize("value", PROBES)
def test_string_and_not_equal_are_complementary(value: Value | None) -> None:
    data = {} if value is None else {"F": value}
    equal = evaluate(single(string("F", "Raw")), data).matched
    assert evaluate(single(of(MatchType.NOT_EQUAL, "F", "Raw")), data).matched is not equal


@pytest.mark.parametrize("value", PROBES)
def test_regexp_and_not_regexp_are_complementary(value: Value | None) -> None:
    data = {} if value is None else {"F": value}
    found = evaluate(single(regexp("F", "^R|^$")), data).matched
    assert evaluate(single(of(MatchType.NOT_REGEXP, "F", "^R|^$")), data).matched is not found


# --- helpers for validation ------------------------------------------------------------------------


def test_condition_fields_lists_data_keys_but_not_module_labels() -> None:
    tree = condition(
        OR,
        group("1", AND, string("Queue", "Raw"), typeless("DynamicField_X")),
        group("2", OR, regexp("State", "^open"), of(MatchType.MODULE, "PLACEHOLDER", "ValidateDemo")),
    )
    assert condition_fields(tree) == frozenset({"Queue", "DynamicField_X", "State"})


def test_find_field_problem_checks_configuration_only() -> None:
    assert find_field_problem(string("Queue", "Raw")) is None
    assert find_field_problem(typeless("Queue")) is None
    assert find_field_problem(of(MatchType.MODULE, "X", "Unregistered")) is None
    assert find_field_problem(regexp("Queue", "[")) == (
        "the pattern /[/ does not compile: unterminated character set at position 0"
    )


def test_list_condition_problems_finds_every_problem_without_evaluating() -> None:
    tree = condition(
        AND,
        group("2", AND, YES, of(MatchType.MODULE, "X", "Unregistered")),
        group("1", OR, NO, BROKEN),
        group("3", AND),
    )
    assert list_condition_problems(tree) == (
        "condition group '1', field 'Z_Broken': a String match must not be empty",
        "condition group '2', field 'X': no validation module 'Unregistered' is registered",
        "condition group '3' has no fields",
    )
    demo = of(MatchType.MODULE, "X", FULL_DEMO)
    assert list_condition_problems(condition(AND, group("1", OR, YES, demo))) == ()
