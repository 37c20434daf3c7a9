"""YAML is read by libyaml's parser where PyYAML has it, with exactly what ``yaml.safe_load`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from otobo_support import EXAMPLES as EXAMPLE_DIRECTORY

from ticketflow.usecases.yaml_text import load_yaml, yaml_context

EXAMPLES = sorted(EXAMPLE_DIRECTORY.glob("*.yml"))


def test_the_c_parser_is_used_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml: the pure-Python loader is used")
    from ticketflow.usecases import yaml_text

    assert yaml_text._LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_otobo_example_reads_as_safe_load_reads_it(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


def test_a_syntax_error_keeps_its_position() -> None:
    with pytest.raises(yaml.YAMLError) as raised:
        load_yaml("Process: a: b\n")
    mark = raised.value.problem_mark  # type: ignore[attr-defined]
    assert (mark.line, mark.column) == (0, 10)
    assert yaml_context(raised.value) == ""


def test_a_construct_left_open_is_named_where_it_began() -> None:
    with pytest.raises(yaml.YAMLError) as raised:
        load_yaml("Process:\n  - [unclosed")
    assert yaml_context(raised.value) == " (while parsing a flow sequence at 2:5)"


def test_the_examples_are_there() -> None:
    assert len(EXAMPLES) == 25
