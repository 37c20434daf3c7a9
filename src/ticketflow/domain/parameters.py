"""Declared parameters of transition actions and scripts: what validation and the modeler check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Parameter:
    """One key of an action's or script's key/value configuration."""

    name: str
    description: str
    required: bool = False
    example: str = ""
