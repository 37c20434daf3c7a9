"""What a script task's script is (``Script``) and what it gets (``ScriptContext``).

Scripts are registered Python objects, never code inside a process definition: the built-ins here
and plugins from the entry-point group ``ticketflow.scripts`` (loaded by an outbound adapter).
A script is pure: it reads the context and returns effects; bad parameters raise ``ScriptError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ticketflow.domain.effects import Effect
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.placeholders import render
from ticketflow.domain.tickets import SETTABLE_ATTRIBUTES, TicketSnapshot, Value

_REQUIRED_ATTRIBUTES = frozenset({"Title", "Queue", "State", "Priority", "Lock", "Owner"})


@dataclass(frozen=True, slots=True)
class ScriptContext:
    """One run of a script. ``parameters`` are as configured, placeholders *not* rendered: a script
    renders what it treats as a template with ``render`` (so ``_Data`` can yield lists where that
    makes sense). ``labels``: dynamic field → stored key → label, for ``_Value`` placeholders.

    The snapshot is valid for the duration of ``run`` only: the engine updates its working copy in
    place afterwards, so a script must not keep it."""

    snapshot: TicketSnapshot
    parameters: Mapping[str, str]
    now: datetime
    activity_key: str
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def render(self, template: str) -> Value:
        """``template`` with its ``<OTOBO_…>`` placeholders replaced from the snapshot."""
        return render(template, self.snapshot, self.labels)

    def render_text(self, template: str) -> str:
        rendered = self.render(template)
        return ",".join(rendered) if isinstance(rendered, tuple) else rendered

    def required(self, name: str) -> str:
        """The non-empty parameter ``name``; raises ScriptError naming it otherwise."""
        value = self.parameters.get(name, "")
        if not value.strip():
            raise ScriptError(f"parameter '{name}' is required")
        return value


class Script(Protocol):
    """A registered script. Read-only attributes, so frozen dataclasses and plain classes both fit."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parameters(self) -> tuple[Parameter, ...]: ...

    def run(self, context: ScriptContext) -> tuple[Effect, ...]: ...


ScriptRun = Callable[[ScriptContext], tuple[Effect, ...]]


@dataclass(frozen=True, slots=True)
class FunctionScript:
    """A script made of a plain function: how the built-ins are written.

    ``prepare`` (optional, the engine looks for it on any script) is a shortcut for one script task's
    parameters, asked once per process version: a function giving exactly what ``run`` gives for
    those parameters (errors included), or None.
    """

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    function: ScriptRun
    prepare: Callable[[Mapping[str, str]], ScriptRun | None] | None = None

    def run(self, context: ScriptContext) -> tuple[Effect, ...]:
        return self.function(context)


def check_target(name: str) -> str:
    """``name`` if a script may set it (a settable attribute or ``DynamicField_<Name>``), else ScriptError."""
    if name in SETTABLE_ATTRIBUTES:
        return name
    if name.startswith("DynamicField_") and len(name) > len("DynamicField_"):
        return name
    raise ScriptError(
        f"'{name}' cannot be set: use DynamicField_<Name> or one of {', '.join(SETTABLE_ATTRIBUTES)}"
    )


def stored(name: str, value: Value | None) -> Value | None:
    """How a value is stored under ``name``: empty clears (None), except a required attribute
    (``Title``, ``Queue`` …), which may not be empty (ScriptError)."""
    if value:
        return value
    if name in _REQUIRED_ATTRIBUTES:
        raise ScriptError(f"{name} may not be empty")
    return None
