"""The script registry: built-in scripts plus plugins from the entry-point group ``ticketflow.scripts``.

A plugin package declares, in its own ``pyproject.toml``::

    [project.entry-points."ticketflow.scripts"]
    enrich_order = "acme_scripts:EnrichOrder"

where the object (an instance, or a class instantiated without arguments) implements
``ticketflow.domain.scripts.Script``: ``name``, ``description``, ``parameters`` and ``run(context)``.
Condition validators (OTOBO's ``Module`` conditions) come from ``ticketflow.validators`` the same way:
callables taking the ticket data and returning a bool.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from ticketflow.domain.conditions import BUILTIN_VALIDATORS
from ticketflow.domain.errors import TicketflowError
from ticketflow.domain.scripts import BUILTIN_SCRIPTS, Script
from ticketflow.domain.tickets import Value

SCRIPT_GROUP = "ticketflow.scripts"
VALIDATOR_GROUP = "ticketflow.validators"


class PluginError(TicketflowError):
    code = "plugin_error"


def load_scripts(extra: Mapping[str, Script] | None = None) -> dict[str, Script]:
    """Built-in scripts, then plugins (a plugin may not replace a built-in), then ``extra``."""
    scripts: dict[str, Script] = dict(BUILTIN_SCRIPTS)
    for entry in entry_points(group=SCRIPT_GROUP):
        script = _instantiate(entry)
        if entry.name in BUILTIN_SCRIPTS:
            raise PluginError(f"plugin script '{entry.name}' ({entry.value}) would replace a built-in script")
        if not _looks_like_script(script):
            raise PluginError(f"plugin script '{entry.name}' ({entry.value}) lacks name, parameters or run()")
        scripts[entry.name] = script
    scripts.update(extra or {})
    return scripts


def load_validators() -> dict[str, Callable[[Mapping[str, Value]], bool]]:
    validators = dict(BUILTIN_VALIDATORS)
    for entry in entry_points(group=VALIDATOR_GROUP):
        validator = entry.load()
        if not callable(validator):
            raise PluginError(f"plugin validator '{entry.name}' ({entry.value}) is not callable")
        validators[entry.name] = validator
    return validators


def _instantiate(entry: EntryPoint) -> Any:
    try:
        loaded = entry.load()
    except Exception as error:  # a broken plugin must name itself, whatever it raised
        raise PluginError(f"plugin script '{entry.name}' ({entry.value}) failed to load: {error}") from error
    return loaded() if isinstance(loaded, type) else loaded


def _looks_like_script(candidate: Any) -> bool:
    return all(hasattr(candidate, attribute) for attribute in ("name", "parameters", "run"))
