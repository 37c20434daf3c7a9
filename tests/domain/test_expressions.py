"""The readable expression form: parsing, formatting, errors with positions, round trips."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from ticketflow.domain.conditions import (
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
    evaluate,
    find_field_problem,
)
from ticketflow.domain.errors import InvalidInputError
from ticketflow.domain.expressions import (
    ExpressionError,
    format_expression,
    group_names,
    parse_expression,
)

AND, OR, XOR = Linking.AND, Linking.OR, Linking.XOR


def only(field_match: FieldMatch) -> Condition:
    return Condition(AND, (ConditionGroup("1", AND, (field_match,)),))


def test_the_documented_example_parses_into_two_groups() -> None:
    text = "DynamicField_Status = 'approved' and (Priority = '5 very high' or Queue =~ /^Purchasing/)"
    assert parse_expression(text) == Condition(
        AND,
        (
            ConditionGroup("1", AND, (FieldMatch("DynamicField_Status", MatchType.STRING, "approved"),)),
            ConditionGroup(
                "2",
                OR,
                (
                    FieldMatch("Priority", MatchType.STRING, "5 very high"),
                    FieldMatch("Queue", MatchType.REGEXP, "^Purchasing"),
                ),
            ),
        ),
    )
    assert format_expression(parse_expression(text)) == text


@pytest.mark.parametrize(
    ("text", "field_match"),
    [
        ("A = 'x'", FieldMatch("A", MatchType.STRING, "x")),
        ('A != "x"', FieldMatch("A", MatchType.NOT_EQUAL, "x")),
        ("A != ''", FieldMatch("A", MatchType.NOT_EQUAL, "")),
        ("A =~ /^x$/", FieldMatch("A", MatchType.REGEXP, "^x$")),
        ("A !~ /x/", FieldMatch("A", MatchType.NOT_REGEXP, "x")),
        ("A =~ 'x+'", FieldMatch("A", MatchType.REGEXP, "x+")),
        ("A < 3", FieldMatch("A", MatchType.LESS_THAN, "3")),
        ("A <= -2.50", FieldMatch("A", MatchType.LESS_THAN_OR_EQUAL, "-2.50")),
        ("A > '2024-01-01'", FieldMatch("A", MatchType.GREATER_THAN, "2024-01-01")),
        ("A >= 3", FieldMatch("A", MatchType.GREATER_THAN_OR_EQUAL, "3")),
        ("A=1", FieldMatch("A", MatchType.STRING, "1")),
        ("Tags contains all ['a', 2]", FieldMatch("Tags", MatchType.ARRAY, ("a", "2"))),
        ("Tags CONTAINS ALL []", FieldMatch("Tags", MatchType.ARRAY, ())),
        ("H has {'k': 'v', 'n': 1}", FieldMatch("H", MatchType.HASH, {"k": "v", "n": "1"})),
        ("H has {}", FieldMatch("H", MatchType.HASH, {})),
        ("valid(ValidateDemo)", FieldMatch("ValidateDemo", MatchType.MODULE, "ValidateDemo")),
        ("VALID(A::B) as PLACEHOLDER", FieldMatch("PLACEHOLDER", MatchType.MODULE, "A::B")),
        # Keywords are only keywords where the grammar expects them.
        ("and = 'x'", FieldMatch("and", MatchType.STRING, "x")),
        ("valid = 'x'", FieldMatch("valid", MatchType.STRING, "x")),
    ],
)
def test_each_test_form_maps_to_one_field(text: str, field_match: FieldMatch) -> None:
    assert parse_expression(text) == only(field_match)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r"'it\'s'", "it's"),
        ('"it\'s"', "it's"),
        (r"'a\\b'", "a\\b"),
        (r"'line\nnext\ttab\rcr'", "line\nnext\ttab\rcr"),
        (r'"say \"hi\""', 'say "hi"'),
        ("'ü € 😀'", "ü € 😀"),
    ],
)
def test_string_escapes_are_decoded(literal: str, value: str) -> None:
    assert parse_expression(f"A = {literal}") == only(FieldMatch("A", MatchType.STRING, value))


@pytest.mark.parametrize(
    ("literal", "pattern"),
    [
        (r"/a\/b/", "a/b"),  # only \/ is decoded
        (r"/\d+\.\w/", r"\d+\.\w"),  # other pairs stay for the regex engine
        (r"/a\\/", "a\\\\"),  # a backslash pair ends before the closing slash
        ("/(?i)raw/", "(?i)raw"),
    ],
)
def test_pattern_literals_keep_their_backslashes(literal: str, pattern: str) -> None:
    assert parse_expression(f"A =~ {literal}") == only(FieldMatch("A", MatchType.REGEXP, pattern))


def test_top_level_tests_become_one_field_and_groups_under_the_connective() -> None:
    assert parse_expression("A = 1 Or B = 2 OR C = 3") == Condition(
        OR,
        tuple(
            ConditionGroup(name, AND, (FieldMatch(field, MatchType.STRING, value),))
            for name, field, value in (("1", "A", "1"), ("2", "B", "2"), ("3", "C", "3"))
        ),
    )


def test_a_parenthesised_group_takes_its_connective_as_type() -> None:
    tree = parse_expression("(A = 1 xor B = 2 xor C = 3)")
    assert tree.linking is AND
    assert [group.type for group in tree.groups] == [XOR]
    assert [field.field for field in tree.groups[0].fields] == ["A", "B", "C"]


def test_duplicate_fields_keep_written_order() -> None:
    tree = parse_expression("(B = 1 or A = 2 or B = 3)")
    assert [(f.field, f.match) for f in tree.groups[0].fields] == [("B", "1"), ("A", "2"), ("B", "3")]


def test_ten_or_more_groups_are_zero_padded_so_string_order_is_written_order() -> None:
    text = " and ".join(f"F{number} = {number}" for number in range(1, 13))
    tree = parse_expression(text)
    names = [group.name for group in tree.groups]
    assert names == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]
    assert sorted(names) == names
    assert group_names(9) == tuple("123456789")
    assert format_expression(tree) == text


def test_parsed_conditions_evaluate_as_written() -> None:
    tree = parse_expression("DynamicField_Amount > 999 and (Queue =~ /^Pur/ or valid(ValidateDemo))")
    assert evaluate(tree, {"DynamicField_Amount": "1000", "Queue": "Raw"}).matched is True
    assert evaluate(tree, {"DynamicField_Amount": "1000", "Queue": "Misc"}).matched is False
    assert evaluate(tree, {"DynamicField_Amount": "99", "Queue": "Raw"}).matched is False


# --- errors ---------------------------------------------------------------------------------------

ERRORS: list[tuple[str, int, str]] = [
    ("", 0, "expected a field name or valid(...), found end of text"),
    ("DynamicField_Status =", 21, "expected a quoted text or a number after '=', found end of text"),
    ("A = 1 and B = 2 or C = 3", 16, "cannot mix 'and' and 'or' at one level; add parentheses"),
    ("(A = 1 or B = 2 AND C = 3)", 16, "cannot mix 'or' and 'and' at one level"),
    ("(A = 1 and (B = 2))", 11, "parentheses nest one level only"),
    ("((A = 1))", 1, "parentheses nest one level only"),
    ("(A = 1", 6, "expected 'and', 'or', 'xor' or ')' to close the '(' at column 1, found end of text"),
    ("A = 1)", 5, "expected 'and', 'or', 'xor' or end of text, found ')'"),
    ("A = 5 very high", 6, "found 'very'"),
    ("A = 'x", 4, "string is not closed"),
    (r"A = 'x\q'", 6, "unknown escape in a string"),
    ("A =~ /x", 5, "pattern is not closed with '/'"),
    ("A # 1", 2, "unexpected character '#'"),
    ("A ! 1", 2, "unexpected character '!'"),
    ("A B", 2, "expected an operator (= != =~ !~ < <= > >=, 'contains all' or 'has') after 'A'"),
    ("= 1", 0, "expected a field name or valid(...), found '='"),
    ("A = /x/", 4, "expected a quoted text or a number after '=', found '/x/'"),
    ("A =~ 3", 5, "expected a /pattern/ or a quoted text after '=~', found '3'"),
    ("A = ''", 4, "a String match must not be empty"),
    ("A < ''", 4, "a LessThan match must not be empty"),
    ("A =~ /(/", 5, "the pattern /(/ does not compile"),
    ("A !~ '0'", 5, "a NotRegexp pattern must not be empty or '0'"),
    ("A contains ['a']", 11, "expected 'all' after 'contains', found '['"),
    ("A contains all ['a' 'b']", 20, "expected ',' or ']', found \"'b'\""),
    ("A contains all ['a',]", 20, "expected a quoted text or a number in the list, found ']'"),
    ("A has {'a': 1, 'a': 2}", 15, "key 'a' appears twice"),
    ("A has {'a' 1}", 11, "expected ':' after the key"),
    ("valid(", 6, "expected a module name such as ValidateDemo, found end of text"),
    ("valid(X", 7, "expected ')' after the module name"),
    ("valid(X) as 'y'", 12, "expected a field name after 'as'"),
    ("A = 1 and", 9, "expected a field name or valid(...), found end of text"),
]


@pytest.mark.parametrize(("text", "position", "message"), ERRORS)
def test_errors_name_the_column_and_what_was_expected(text: str, position: int, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression(text)
    assert raised.value.position == position
    assert str(raised.value).startswith(f"column {position + 1}: ")
    assert message in str(raised.value)


def test_expression_errors_are_invalid_input() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_expression("A =")
    assert raised.value.code == "invalid_expression"


# --- formatting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ('a = "x"  OR  (b=1)', "a = 'x' or b = 1"),
        ("(A = 1) and B = '2'", "A = 1 and B = 2"),
        ("A =~ 'a/b'", r"A =~ /a\/b/"),
        ("A = 'it''", None),  # unterminated: an error, covered below
        ('A = "it\'s"', 'A = "it\'s"'),
        ("A = 'both \\' and \"'", "A = 'both \\' and \"'"),
        ("A = 'a\\\\b\\n'", "A = 'a\\\\b\\n'"),
        ("VALID(ValidateDemo) AS ValidateDemo", "valid(ValidateDemo)"),
        ("H has {k: 'v'}", None),  # keys must be quoted
        ("Tags contains all [1,'b']", "Tags contains all [1, 'b']"),
        ("H has {'k':1}", "H has {'k': 1}"),
    ],
)
def test_formatting_a_parsed_expression_normalises_it(text: str, normalised: str | None) -> None:
    if normalised is None:
        with pytest.raises(ExpressionError):
            parse_expression(text)
        return
    assert format_expression(parse_expression(text)) == normalised
    assert parse_expression(normalised) == parse_expression(text)


def test_patterns_that_a_literal_cannot_carry_are_written_as_strings() -> None:
    for pattern, written in ((r"a\/b", r"'a\\/b'"), ("a\nb", r"'a\nb'"), ("x\\", None)):
        tree = only(FieldMatch("A", MatchType.REGEXP, pattern))
        if written is None:  # does not compile, so not expressible
            assert format_expression(tree) is None
            continue
        assert format_expression(tree) == f"A =~ {written}"
        assert parse_expression(f"A =~ {written}") == tree


def group(name: str, kind: Linking, *fields: FieldMatch) -> ConditionGroup:
    return ConditionGroup(name, kind, fields)


X = FieldMatch("X", MatchType.STRING, "1")
Y = FieldMatch("Y", MatchType.STRING, "2")

NOT_EXPRESSIBLE: list[tuple[str, Condition]] = [
    ("no groups", Condition(AND, ())),
    ("one group under or", Condition(OR, (group("1", AND, X),))),
    ("one-field or-group", Condition(AND, (group("1", OR, X), group("2", AND, Y)))),
    ("empty group", Condition(AND, (group("1", AND),))),
    ("typeless field", only(FieldMatch("X", None, "1"))),
    ("field not a word", only(FieldMatch("???", MatchType.MODULE, "ValidateDemo"))),
    ("field with a space", only(FieldMatch("Dynamic Field", MatchType.STRING, "1"))),
    ("module not a word", only(FieldMatch("X", MatchType.MODULE, "Some Module"))),
    ("empty String match", only(FieldMatch("X", MatchType.STRING, ""))),
    ("list String match", only(FieldMatch("X", MatchType.STRING, ("a",)))),
    ("names not canonical", Condition(AND, (group("a", AND, X),))),
    ("names out of order", Condition(AND, (group("2", AND, X), group("1", AND, Y)))),
]


@pytest.mark.parametrize("tree", [pytest.param(tree, id=name) for name, tree in NOT_EXPRESSIBLE])
def test_trees_without_an_expression_form_give_none(tree: Condition) -> None:
    assert format_expression(tree) is None


def test_rename_groups_writes_otobo_visit_order() -> None:
    tree = Condition(XOR, (group("b", AND, X), group("a", OR, X, Y), group("10", AND, Y)))
    text = format_expression(tree, rename_groups=True)
    assert text == "Y = 2 xor (X = 1 or Y = 2) xor X = 1"
    renamed = parse_expression(text)
    assert [g.name for g in renamed.groups] == ["1", "2", "3"]
    assert [g.fields for g in renamed.groups] == [(Y,), (X, Y), (X,)]


# --- round trips with generated trees ---------------------------------------------------------------

KEYWORDS = ["and", "or", "xor", "valid", "contains", "all", "has", "as", "AND"]


def _strategies() -> Any:
    """Strategies for expressible trees, built lazily so a missing hypothesis only skips."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    words = st.one_of(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
        st.sampled_from([*KEYWORDS, "DynamicField_Status", "Queue", "Priority"]),
    )
    modules = st.lists(words, min_size=1, max_size=3).map("::".join)
    texts = st.text(max_size=12)
    filled = st.text(min_size=1, max_size=12)
    numbers = st.from_regex(r"-?\d{1,4}(\.\d{1,2})?", fullmatch=True)
    values = st.one_of(filled, numbers)
    patterns = st.text(alphabet="ab./\\^$*+?()[]|\n'\"", min_size=1, max_size=10).filter(_is_usable_pattern)
    orderings = st.sampled_from(
        [
            MatchType.LESS_THAN,
            MatchType.LESS_THAN_OR_EQUAL,
            MatchType.GREATER_THAN,
            MatchType.GREATER_THAN_OR_EQUAL,
        ]
    )
    field_matches = st.one_of(
        st.builds(FieldMatch, words, st.just(MatchType.STRING), values),
        st.builds(FieldMatch, words, st.just(MatchType.NOT_EQUAL), st.one_of(texts, numbers)),
        st.builds(FieldMatch, words, st.sampled_from([MatchType.REGEXP, MatchType.NOT_REGEXP]), patterns),
        st.builds(FieldMatch, words, orderings, values),
        st.builds(FieldMatch, words, st.just(MatchType.ARRAY), st.lists(texts, max_size=4).map(tuple)),
        st.builds(
            FieldMatch,
            words,
            st.just(MatchType.HASH),
            st.dictionaries(texts, texts, max_size=3).map(MappingProxyType),
        ),
        st.builds(FieldMatch, words, st.just(MatchType.MODULE), modules),
        modules.map(lambda module: FieldMatch(module, MatchType.MODULE, module)),
    )
    linkings = st.sampled_from([AND, OR, XOR])
    group_bodies = st.one_of(
        st.tuples(st.just(AND), st.lists(field_matches, min_size=1, max_size=1)),
        st.tuples(linkings, st.lists(field_matches, min_size=2, max_size=4)),
    )

    def to_condition(linking: Linking, bodies: list[tuple[Linking, list[FieldMatch]]]) -> Condition:
        names = group_names(len(bodies))
        groups = tuple(
            ConditionGroup(name, kind, tuple(fields))
            for name, (kind, fields) in zip(names, bodies, strict=True)
        )
        return Condition(linking if len(groups) > 1 else AND, groups)

    conditions = st.builds(to_condition, linkings, st.lists(group_bodies, min_size=1, max_size=12))
    return hypothesis, conditions


def _is_usable_pattern(pattern: str) -> bool:
    return find_field_problem(FieldMatch("F", MatchType.REGEXP, pattern)) is None


def test_generated_trees_round_trip_through_their_expression() -> None:
    hypothesis, conditions = _strategies()

    @hypothesis.settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @hypothesis.given(conditions)
    def round_trip(tree: Condition) -> None:
        text = format_expression(tree)
        assert text is not None
        assert parse_expression(text) == tree
        assert format_expression(parse_expression(text)) == text

    round_trip()
