"""Transition conditions compiled once per process version: ``conditions.evaluate``'s verdict, faster.

``conditions.evaluate`` is the reference: it interprets the tree and writes a reason sentence for every
field and group it visits. The engine checks a few conditions on every step, and building those
sentences was most of the cost (about 3 µs for a one-field condition, 4 checks in a start step). So:

* ``compile_condition`` turns a condition into a plan: groups and fields already in OTOBO's visiting
  order, one closure per field with its match value checked and its regex compiled, and the keys it
  reads. A condition the plan cannot decide alone (a ``Module`` field, which sees the whole ticket
  data, or any configuration problem, whose visibility depends on OTOBO's short-circuits) gets no
  plan: the engine then calls the reference evaluator as before.
* ``check`` copies just the values the condition reads into a small dict and computes the verdict
  with the same short-circuit state machine as the reference, without any text. The dict is kept in
  the trace entry, and the reasons are computed when someone reads them, by running the reference
  evaluator on that dict: the same sentences, by construction, because the reference reads nothing
  else for such a condition.

``tests/domain/test_condition_plans.py`` checks the plan against the reference on the evaluator's
test vectors and on every small condition tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import Final, TypeVar

from ticketflow.domain.conditions import Condition, FieldMatch, Linking, MatchType, find_field_problem
from ticketflow.domain.field_matching import ordering_holds, pattern_for
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, TicketSnapshot, Value

_AND: Final = Linking.AND
_OR: Final = Linking.OR
_XOR: Final = Linking.XOR
_PREFIX_LENGTH: Final = len(DYNAMIC_FIELD_PREFIX)

_T = TypeVar("_T")
_BY_NAME: Final = attrgetter("name")
_BY_FIELD: Final = attrgetter("field")

Data = Mapping[str, Value]
FieldTest = Callable[[Data], bool]


class NeedsReference(Exception):  # noqa: N818 - a signal, not an error
    """The plan met data it does not decide (an Array match against text): ask the reference."""


class ConditionPlan:
    """A compiled condition. ``reads``: (data key, dynamic field name or None) per key it reads."""

    __slots__ = ("condition", "groups", "linking", "reads")

    def __init__(
        self,
        condition: Condition,
        groups: tuple[tuple[Linking, tuple[FieldTest, ...]], ...],
        reads: tuple[tuple[str, str | None], ...],
    ) -> None:
        self.condition = condition
        self.linking = condition.linking
        self.groups = groups
        self.reads = reads


def compile_condition(condition: Condition) -> ConditionPlan | None:
    """The plan for ``condition``, or None when only the reference evaluator can decide it."""
    groups: list[tuple[Linking, tuple[FieldTest, ...]]] = []
    keys: dict[str, None] = {}
    for group in _in_order(condition.groups, _BY_NAME):
        if not group.fields:
            return None  # an error, raised or not depending on the short-circuits: reference only
        tests: list[FieldTest] = []
        for field_match in _in_order(group.fields, _BY_FIELD):
            if field_match.type is None:
                continue  # Q2: ignored, neither success nor failure
            test = _field_test(field_match)
            if test is None:
                return None
            tests.append(test)
            keys[field_match.field] = None
        groups.append((group.type, tuple(tests)))
    reads = tuple(
        (key, key[_PREFIX_LENGTH:] if key.startswith(DYNAMIC_FIELD_PREFIX) else None) for key in keys
    )
    return ConditionPlan(condition, tuple(groups), reads)


def read(plan: ConditionPlan, snapshot: TicketSnapshot) -> dict[str, Value]:
    """The values ``plan`` reads, keyed as in ``TicketSnapshot.data()`` (absent keys left out)."""
    data: dict[str, Value] = {}
    fields, attributes = snapshot.dynamic_fields, snapshot.attributes
    for key, field in plan.reads:
        value = fields.get(field) if field is not None else None
        if value is None:  # data() puts dynamic fields over same-named attributes: same lookup
            value = attributes.get(key)
        if value is not None:
            data[key] = value
    return data


def check(plan: ConditionPlan, data: Data) -> bool:
    """The verdict of ``conditions.evaluate(plan.condition, data)``; raises ``NeedsReference``.

    The same state machine as the reference (see ``conditions._evaluate_group``), with the outcomes
    as small ints instead of an enum.
    """
    linking = plan.linking
    successes = failures = 0
    for kind, tests in plan.groups:
        outcome = _group(kind, tests, linking, data)
        if outcome is _SUCCESS:
            successes += 1
        elif outcome is _FAILURE:
            failures += 1
        elif outcome is not _UNCOUNTED:
            return outcome is _MATCH_NOW
    if linking is _AND:
        return failures == 0  # no groups at all: true (Q10)
    return linking is _XOR and successes == 1  # a counted or-success has returned already


_SUCCESS: Final = 1
_FAILURE: Final = 2
_UNCOUNTED: Final = 3  # abandoned by a short-circuit: neither success nor failure
_MATCH_NOW: Final = 4
_FAIL_NOW: Final = 5


def _group(kind: Linking, tests: tuple[FieldTest, ...], linking: Linking, data: Data) -> int:
    matched = failed = 0
    for test in tests:
        if test(data):
            if kind is _OR:  # an or-group that matches is left at once, counted only under or
                return _MATCH_NOW if linking is _OR else _UNCOUNTED  # under xor: quirk Q1
            matched += 1
        else:
            if kind is _AND:  # an and-group that fails likewise
                return _FAIL_NOW if linking is _AND else _UNCOUNTED
            failed += 1
    if kind is _AND:
        holds = failed == 0
    elif kind is _OR:
        holds = matched > 0
    else:
        holds = matched == 1
    if holds:
        return _MATCH_NOW if linking is _OR else _SUCCESS
    # OTOBO leaves a failing xor group counted but keeps visiting the later groups.
    return _FAIL_NOW if linking is _AND and kind is not _XOR else _FAILURE


def _in_order(items: tuple[_T, ...], name: Callable[[_T], str]) -> tuple[_T, ...]:
    # OTOBO sorts names as strings; sorted() is stable, so equal names keep their written order.
    return tuple(sorted(items, key=name))


# --- one closure per field: match value checked and narrowed once, data read by key -------------


def _field_test(field_match: FieldMatch) -> FieldTest | None:
    kind, match, key = field_match.type, field_match.match, field_match.field
    if kind is None or kind is MatchType.MODULE or find_field_problem(field_match) is not None:
        return None
    if kind is MatchType.HASH:
        return _never
    if kind is MatchType.ARRAY:
        assert isinstance(match, tuple)  # find_field_problem checked it
        return _array_test(key, match)
    assert isinstance(match, str)
    if kind is MatchType.STRING:
        return _string_test(key, match)
    if kind is MatchType.NOT_EQUAL:
        return _not_equal_test(key, match)
    if kind is MatchType.REGEXP or kind is MatchType.NOT_REGEXP:
        return _regexp_test(key, match, negated=kind is MatchType.NOT_REGEXP)
    return _ordering_test(key, kind, match)


def _never(_: Data) -> bool:
    return False  # ticket data holds texts and lists, never a map


def _string_test(key: str, expected: str) -> FieldTest:
    def test(data: Data) -> bool:
        value = data.get(key)
        if value is None:
            return False
        return value == expected if type(value) is str else expected in value

    return test


def _not_equal_test(key: str, unwanted: str) -> FieldTest:
    def test(data: Data) -> bool:
        value = data.get(key)
        if value is None:
            return True
        return value != unwanted if type(value) is str else unwanted not in value

    return test


def _regexp_test(key: str, text: str, *, negated: bool) -> FieldTest:
    search = pattern_for(text).search

    def matches(data: Data) -> bool:
        value = data.get(key)
        if value is None:
            return False
        if type(value) is str:
            return value not in ("", "0") and search(value) is not None  # Q5: Perl-false data
        return any(search(item) is not None for item in value)

    if not negated:
        return matches
    return lambda data: not matches(data)


def _array_test(key: str, wanted: tuple[str, ...]) -> FieldTest:
    def test(data: Data) -> bool:
        if not wanted:
            return True
        value = data.get(key)
        if value is None:
            return False
        if type(value) is str:
            raise NeedsReference  # Q4: a configuration error, if the reference gets this far
        return sum(value.count(item) for item in wanted) == len(wanted)  # Q3: duplicates count

    return test


def _ordering_test(key: str, ordering: MatchType, expected: str) -> FieldTest:
    def test(data: Data) -> bool:
        value = data.get(key)
        if value is None or value == "":
            return False
        if type(value) is str:
            return ordering_holds(ordering, value, expected)
        return any(item and ordering_holds(ordering, item, expected) for item in value)

    return test
