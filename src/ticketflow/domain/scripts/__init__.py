"""Scripts for script tasks: the contract (``Script``, ``ScriptContext``) and the built-ins.

``BUILTIN_SCRIPTS`` maps name → script: ``set_fields``, ``copy_fields``, ``compute_date``,
``add_article``, ``map_value``. Plugins implement the same ``Script`` protocol and are registered by
the outbound script registry (entry-point group ``ticketflow.scripts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ticketflow.domain.scripts.articles import ADD_ARTICLE
from ticketflow.domain.scripts.contract import FunctionScript, Script, ScriptContext
from ticketflow.domain.scripts.dates import COMPUTE_DATE
from ticketflow.domain.scripts.fields import COPY_FIELDS, MAP_VALUE, SET_FIELDS

__all__ = ["BUILTIN_SCRIPTS", "FunctionScript", "Script", "ScriptContext"]

BUILTIN_SCRIPTS: Mapping[str, Script] = MappingProxyType(
    {script.name: script for script in (SET_FIELDS, COPY_FIELDS, COMPUTE_DATE, ADD_ARTICLE, MAP_VALUE)}
)
