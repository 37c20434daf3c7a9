"""Fast positional builders for frozen slots dataclasses, for the engine's hot path only.

A frozen dataclass's generated ``__init__`` gets past its own frozen guard by calling
``object.__setattr__`` once per field, about 0.15 µs per field on the reference machine, and an
engine step builds a dozen such values (trace entries, the position, effects) within a 20 µs budget.
``builder(cls)`` returns a function that takes *every* field positionally, in declaration order,
and writes the slots directly: the same object (same equality, hash, repr), about half the cost.

Use it only where a profile says so; everywhere else call the class, which checks its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any, TypeVar

_T = TypeVar("_T")


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A function ``(field1, field2, …) -> cls`` for a frozen slots dataclass without ``__post_init__``
    and with every field in ``__init__``. Raises TypeError for any other class (at import time)."""
    if not is_dataclass(cls) or "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} is not a slots dataclass without __post_init__")
    names = [item.name for item in fields(cls) if item.init]
    if len(names) != len(fields(cls)):
        raise TypeError(f"{cls.__name__} has fields outside __init__")
    setters = tuple(cls.__dict__[name].__set__ for name in names)
    return _arity_builder(cls, setters)


def replacer(cls: type[_T]) -> Callable[..., _T]:
    """A function ``(value, **changes) -> cls``: ``dataclasses.replace`` for a class ``builder`` takes.

    ``replace`` walks the class's fields and runs the generated ``__init__`` on every call: ~8 µs for
    the 22 fields of ``Ticket``, and a durable step replaces a ticket four times. This reads all
    fields in one ``attrgetter`` call and writes the slots directly. TypeError for a name that is not
    a field, as ``replace`` raises."""
    build = builder(cls)
    names = tuple(item.name for item in fields(cls))  # type: ignore[arg-type]  # builder checked it
    read = attrgetter(*names)
    read_all: Callable[[Any], tuple[Any, ...]] = read if len(names) > 1 else (lambda value: (read(value),))
    positions = {name: index for index, name in enumerate(names)}

    def replaced(value: _T, /, **changes: Any) -> _T:
        current = list(read_all(value))
        for name, new in changes.items():
            index = positions.get(name)
            if index is None:
                raise TypeError(f"{cls.__name__} has no field {name!r}")
            current[index] = new
        return build(*current)

    return replaced


Setter = Callable[[Any, Any], None]


def _arity_builder(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    factory = _BY_ARITY.get(len(setters))
    return factory(cls, setters) if factory is not None else _any_arity(cls, setters)


def _one(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    (set_a,) = setters

    def build(a: object) -> _T:
        value = object.__new__(cls)
        set_a(value, a)
        return value

    return build


def _two(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    set_a, set_b = setters

    def build(a: object, b: object) -> _T:
        value = object.__new__(cls)
        set_a(value, a)
        set_b(value, b)
        return value

    return build


def _three(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    set_a, set_b, set_c = setters

    def build(a: object, b: object, c: object) -> _T:
        value = object.__new__(cls)
        set_a(value, a)
        set_b(value, b)
        set_c(value, c)
        return value

    return build


def _four(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    set_a, set_b, set_c, set_d = setters

    def build(a: object, b: object, c: object, d: object) -> _T:
        value = object.__new__(cls)
        set_a(value, a)
        set_b(value, b)
        set_c(value, c)
        set_d(value, d)
        return value

    return build


def _five(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    set_a, set_b, set_c, set_d, set_e = setters

    def build(a: object, b: object, c: object, d: object, e: object) -> _T:
        value = object.__new__(cls)
        set_a(value, a)
        set_b(value, b)
        set_c(value, c)
        set_d(value, d)
        set_e(value, e)
        return value

    return build


def _any_arity(cls: type[_T], setters: tuple[Setter, ...]) -> Callable[..., _T]:
    def build(*arguments: object) -> _T:
        value = object.__new__(cls)
        for set_field, argument in zip(setters, arguments, strict=True):
            set_field(value, argument)
        return value

    return build


_BY_ARITY: dict[int, Callable[[type[Any], tuple[Setter, ...]], Callable[..., Any]]] = {
    1: _one,
    2: _two,
    3: _three,
    4: _four,
    5: _five,
}
