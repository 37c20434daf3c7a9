"""Fast builders for frozen slots dataclasses: the same values as the class builds."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ticketflow.domain.frozen import builder


@dataclass(frozen=True, slots=True)
class One:
    a: int


@dataclass(frozen=True, slots=True)
class Two:
    a: int
    b: str = "x"


@dataclass(frozen=True, slots=True)
class Three:
    a: int
    b: int
    c: int


@dataclass(frozen=True, slots=True)
class Four:
    a: int
    b: int
    c: int
    d: int


@dataclass(frozen=True, slots=True)
class Five:
    a: int
    b: int
    c: int
    d: int
    e: int


@dataclass(frozen=True, slots=True)
class Six:
    a: int
    b: int
    c: int
    d: int
    e: int
    f: int


@pytest.mark.parametrize("cls", [One, Two, Three, Four, Five, Six])
def test_a_built_value_equals_the_class_built_one(cls: type) -> None:
    arguments = list(range(len(cls.__dataclass_fields__)))
    built = builder(cls)(*arguments)
    assert type(built) is cls
    assert built == cls(*arguments)
    assert hash(built) == hash(cls(*arguments))
    assert repr(built) == repr(cls(*arguments))


def test_a_built_value_stays_frozen() -> None:
    built = builder(Two)(1, "y")
    with pytest.raises(AttributeError):
        built.a = 2  # type: ignore[misc]


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError):
        builder(Two)(1)
    with pytest.raises(ValueError, match="zip"):
        builder(Six)(1, 2, 3)


@dataclass(frozen=True)
class NoSlots:
    a: int


@dataclass(frozen=True, slots=True)
class Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("negative")


@dataclass(frozen=True, slots=True)
class Derived:
    a: int
    b: int = field(init=False, default=0)


@pytest.mark.parametrize("cls", [NoSlots, Checked, Derived, dict])
def test_classes_the_builder_cannot_serve_are_refused(cls: type) -> None:
    with pytest.raises(TypeError):
        builder(cls)
