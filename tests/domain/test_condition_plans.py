"""The engine's compiled conditions (``engine.checks``) against the reference evaluator.

The plan must give ``evaluate``'s verdict on every condition it accepts, raise ``NeedsReference``
wherever the reference would raise, and the lazily built trace entry must carry the reference's
reasons. Checked on every vector of test_conditions.py and on every small condition tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import pytest
from test_conditions import (
    BROKEN,
    ERROR_CASES,
    EXTRA_TYPE_CASES,
    LINKING_CASES,
    MATCH_TYPE_CASES,
    NO,
    REASON_CASES,
    TICKET,
    YES,
    array,
    single,
    string,
    typeless,
)

from ticketflow.domain.conditions import (
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
    evaluate,
)
from ticketflow.domain.engine.checks import NeedsReference, check, compile_condition, read
from ticketflow.domain.errors import ConditionError
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, TicketSnapshot
from ticketflow.domain.trace import TransitionChecked, checked_lazily, trace_from_dict, trace_to_dict

SNAPSHOT = TicketSnapshot(
    {key: value for key, value in TICKET.items() if isinstance(value, str) and "_" not in key},
    {
        key.removeprefix(DYNAMIC_FIELD_PREFIX): value
        for key, value in TICKET.items()
        if key.startswith(DYNAMIC_FIELD_PREFIX)
    },
)


def agrees_with_reference(condition: Condition, snapshot: TicketSnapshot = SNAPSHOT) -> None:
    """The plan (when there is one) decides ``condition`` as the reference does on ``snapshot``."""
    full = snapshot.data()
    try:
        expected = evaluate(condition, full)
    except ConditionError:
        expected = None
    plan = compile_condition(condition)
    if plan is None:
        return  # the engine uses the reference itself
    data = read(plan, snapshot)
    assert all(full.get(key) == value for key, value in data.items())
    try:
        verdict = check(plan, data)
    except NeedsReference:
        return  # the engine then asks the reference, which decides (or raises) itself
    assert expected is not None, "the reference raised where the plan decided"
    assert verdict is expected.matched
    entry = checked_lazily("a", "t", verdict, condition, data)
    assert entry.reasons == expected.reasons
    assert entry == TransitionChecked("a", "t", expected.matched, expected.reasons)


VECTORS = [
    *((name, tree) for name, tree, _ in MATCH_TYPE_CASES + EXTRA_TYPE_CASES + LINKING_CASES),
    *((name, tree) for name, tree, _ in ERROR_CASES),
    *((name, single(field_match)) for name, field_match, _ in REASON_CASES),
]


@pytest.mark.parametrize("condition", [pytest.param(tree, id=name) for name, tree in VECTORS])
def test_plan_agrees_with_reference_on_every_vector(condition: Condition) -> None:
    agrees_with_reference(condition)


def test_plans_cover_the_common_types_and_leave_module_and_errors_to_the_reference() -> None:
    assert compile_condition(single(string("Queue", "Raw"))) is not None
    assert compile_condition(single(FieldMatch("X", MatchType.MODULE, "ValidateDemo"))) is None
    assert compile_condition(single(BROKEN)) is None
    assert compile_condition(Condition(Linking.AND, (ConditionGroup("g", Linking.AND, ()),))) is None


# Fields for the generated trees: a match, a failure, an ignored one, a list match, a Hash (never
# holds) and an Array on text (an error when reached: the plan must hand it to the reference).
POOL = (
    YES,
    NO,
    typeless("Queue"),
    string("DynamicField_Tags", "a"),
    FieldMatch("Priority", MatchType.HASH, {}),
    array("Queue", "Raw"),
)


def small_groups(name: str) -> Iterator[ConditionGroup]:
    for kind in Linking:
        for count in (1, 2):
            for fields in product(POOL, repeat=count):
                yield ConditionGroup(name, kind, fields)


def test_plan_agrees_with_reference_on_every_small_tree() -> None:
    for linking in Linking:
        agrees_with_reference(Condition(linking, ()))
        for first in small_groups("2"):
            agrees_with_reference(Condition(linking, (first,)))
            for second in small_groups("10"):
                agrees_with_reference(Condition(linking, (first, second)))


def test_read_looks_values_up_as_ticket_data_does() -> None:
    # data() puts a dynamic field over an attribute of the same name, and keeps such an attribute
    # when there is no dynamic field: rare, but the plan must see what the reference sees.
    both = TicketSnapshot({"DynamicField_A": "attr", "DynamicField_B": "attr-b"}, {"A": "field"})
    for key, expected in (("DynamicField_A", True), ("DynamicField_B", False)):
        agrees_with_reference(single(string(key, "field")), both)
        plan = compile_condition(single(string(key, "field")))
        assert plan is not None
        assert check(plan, read(plan, both)) is expected
    empty = TicketSnapshot({"DynamicField_E": "attr"}, {"E": ""})
    agrees_with_reference(single(string("DynamicField_E", "attr")), empty)


def test_lazy_entry_behaves_like_a_value() -> None:
    condition = single(string("Queue", "Raw"))
    plan = compile_condition(condition)
    assert plan is not None
    lazy = checked_lazily("a", "t", True, condition, read(plan, SNAPSHOT))
    eager = TransitionChecked("a", "t", True, evaluate(condition, SNAPSHOT.data()).reasons)
    assert hash(lazy) == hash(eager)
    assert repr(lazy) == repr(eager)
    assert lazy.describe() == eager.describe()
    assert trace_from_dict(trace_to_dict(lazy)) == lazy
    match lazy:
        case TransitionChecked(activity, transition, matched, reasons):
            assert (activity, transition, matched, reasons) == ("a", "t", True, eager.reasons)
    with pytest.raises(AttributeError):
        lazy.matched = False  # type: ignore[misc]
