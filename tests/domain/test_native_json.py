"""The canonical JSON format ticketflow.process/1: round trips, canonical form, hash, all problems at once."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from ticketflow.domain.conditions import Condition, ConditionGroup, FieldMatch, Linking, MatchType
from ticketflow.domain.definitions import Position, Process
from ticketflow.domain.errors import DefinitionError, Problem
from ticketflow.domain.formats.native_json import (
    canonical_json,
    content_hash,
    process_from_dict,
    process_to_dict,
)
from ticketflow.domain.formats.otobo_yaml import process_from_otobo
from ticketflow.domain.formats.schema import process_schema

SAMPLES = Path(__file__).parents[1] / "data" / "processes"
EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "otobo-examples"


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def problems_of(document: object) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        process_from_dict(document)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def purchase() -> Process:
    return process_from_dict(load_sample("purchase_request.json"))


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(process_schema())
    assert process_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", ["purchase_request.json", "every_element.json"])
def test_hand_written_samples_round_trip(name: str) -> None:
    process = process_from_dict(load_sample(name))
    document = process_to_dict(process)
    assert process_from_dict(document) == process
    assert process_from_dict(json.loads(json.dumps(document))) == process


def test_reading_fills_every_member(purchase: Process) -> None:
    order = purchase.find_activity("order")
    assert order is not None
    assert order.service is not None
    assert order.service.timeout == timedelta(seconds=12.5)
    assert order.error_code == "erp-down"
    approved = next(t for t in purchase.transitions if t.key == "approved")
    assert approved.condition == Condition(
        Linking.AND,
        (
            ConditionGroup(
                "1", Linking.AND, (FieldMatch("DynamicField_Status", MatchType.STRING, "approved"),)
            ),
            ConditionGroup(
                "2", Linking.AND, (FieldMatch("DynamicField_Amount", MatchType.LESS_THAN, "1000"),)
            ),
        ),
    )
    ordered = next(t for t in purchase.transitions if t.key == "ordered")
    assert [a.key for a in ordered.actions] == ["close", "notify"]
    assert ordered.actions[1].config == {"Watchers": ("alice", "bob")}
    assert purchase.layout["order"] == Position(500, 60.5)
    assert purchase.start_dialog is not None
    assert purchase.start_dialog.key == "request-form"


def test_writer_uses_the_expression_form_when_there_is_one_and_the_tree_otherwise() -> None:
    process = process_from_dict(load_sample("every_element.json"))
    transitions = {t["key"]: t for t in process_to_dict(process)["transitions"]}
    assert transitions["repaired"]["condition"] == "DynamicField_Result != ''"
    tree = transitions["to-classify"]["condition"]
    assert tree["linking"] == "xor"
    assert tree["groups"][0]["fields"][2] == {
        "field": "DynamicField_Legacy",
        "type": None,
        "match": "ignored by OTOBO",
    }
    assert "condition" not in transitions["classified"]


def test_writer_omits_defaults_so_the_document_stays_small(purchase: Process) -> None:
    document = process_to_dict(purchase)
    assert "state" not in document  # Active is the default
    done = next(a for a in document["activities"] if a["key"] == "done")
    assert done == {"key": "done", "name": "Done", "type": "end"}
    order = next(a for a in document["activities"] if a["key"] == "order")
    assert order["service"]["timeout"] == 12.5


def test_canonical_json_is_sorted_compact_and_utf8() -> None:
    process = process_from_dict(load_sample("every_element.json"))
    text = canonical_json(process)
    assert "Every element — a test sample" in text  # not \u-escaped
    assert ": " not in text
    assert ", " not in text
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(process) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_content_hash_ignores_int_versus_float_and_sees_real_changes(purchase: Process) -> None:
    as_float = replace(purchase, layout={**purchase.layout, "request": Position(100.0, 120.0)})
    as_int = replace(purchase, layout={**purchase.layout, "request": Position(100, 120)})
    assert content_hash(as_float) == content_hash(as_int)
    renamed = replace(purchase, name="Purchase request (new)")
    assert content_hash(renamed) != content_hash(purchase)
    assert len(content_hash(purchase)) == 64


def test_all_structural_problems_are_reported_at_once() -> None:
    document = load_sample("purchase_request.json")
    document["key"] = "Purchase Request"
    document["activities"][0]["key"] = "review"
    document["activities"][0]["type"] = "usertask"
    document["activities"][0]["dialogs"][0]["fields"][0]["display"] = "shown"
    document["activities"][2].pop("service")
    document["transitions"][0]["actions"][0]["config"]["Queue"] = 5
    del document["transitions"][1]["target"]
    document["transitions"][2]["condition"]["linking"] = "nand"
    document["layout"]["order"]["x"] = "500"
    document["colour"] = "blue"
    problems = problems_of(document)
    assert problems == [
        "process.colour: is not a member of this element",
        "dialog:review/request-form.fields[0].display: 'shown' is not one of hidden, optional, mandatory",
        "activity:review.type: 'usertask' is not one of "
        "user_task, script_task, service_task, sub_process, end",
        "activity:order.service: is required",
        "process.key: 'Purchase Request' must be lowercase letters, digits, '.', '_' or '-', "
        "starting with a letter or digit",
        "process.layout.order.x: must be a number, not a string",
        "action:submitted/0.config.Queue: must be a string or a list, not a number",
        "transition:approved.target: is required",
        "transition:rejected.condition.linking: 'nand' is not one of and, or, xor",
    ]


def test_unparsable_expressions_are_problems_of_their_transition() -> None:
    document = load_sample("purchase_request.json")
    document["transitions"][0]["condition"] = "DynamicField_Status = "
    document["transitions"][1]["condition"] = "and and"
    problems = problems_of(document)
    assert [p.split(":")[0] + ":" + p.split(":")[1].split(".")[0] for p in problems] == [
        "transition:submitted",
        "transition:approved",
    ]
    assert all(".condition: column " in p for p in problems)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "process: must be an object, not a list"),
        (
            {"format": "ticketflow.process/2"},
            "process.format: must be 'ticketflow.process/1', not 'ticketflow.process/2'",
        ),
        (
            {"format": "ticketflow.process/1", "activities": []},
            "process.activities: must have at least 1 item(s)",
        ),
    ],
)
def test_wrong_documents_are_definition_errors(document: object, expected: str) -> None:
    assert expected in problems_of(document)


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, replacement) that breaks one member: removed or given a wrong JSON type."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    )
    for key, child in children:
        for replacement in (None, 7, [], "x y/z"):
            found.append(((*path, key), replacement))
        found.extend(_mutations(child, (*path, key)))
    return found


def test_no_broken_document_raises_anything_but_definition_error() -> None:
    original = load_sample("every_element.json")
    for path, replacement in _mutations(original):
        document = copy.deepcopy(original)
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = replacement
        outcome = _read(document)
        if isinstance(outcome, Process):
            assert process_from_dict(process_to_dict(outcome)) == outcome, path
        else:
            assert outcome, path


def _read(document: dict[str, Any]) -> Process | tuple[Problem, ...]:
    try:
        return process_from_dict(document)
    except DefinitionError as error:
        return error.problems


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yml")) if EXAMPLES.is_dir() else []


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"OTOBO examples not found at {EXAMPLES}")
@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.stem)
def test_every_imported_otobo_example_round_trips_through_json(path: Path) -> None:
    process = process_from_otobo(yaml.safe_load(path.read_text(encoding="utf-8"))).process
    document = json.loads(canonical_json(process))
    assert process_from_dict(document) == process
    assert content_hash(process_from_dict(document)) == content_hash(process)


def test_the_example_in_the_documentation_is_a_valid_document() -> None:
    text = (Path(__file__).parents[2] / "docs" / "process-format.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    process = process_from_dict(json.loads(block))
    assert process.key == "purchase-request"
    assert [t.key for t in process.outgoing("approval")] == ["approved", "rejected"]
