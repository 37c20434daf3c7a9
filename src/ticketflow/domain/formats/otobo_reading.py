"""Reading the loose values of a parsed OTOBO export, with a report of what was wrong or odd.

OTOBO writes its exports with YAML::XS, which keeps every unquoted scalar as text. A YAML 1.1 reader
such as PyYAML's ``safe_load`` turns some of them into other types (``yes`` → True, ``0`` → 0,
``2016-08-10 11:55:47`` → datetime) and empty values into None; ``yaml.BaseLoader`` keeps text but
turns an empty value into ``''``. The functions here accept all of these and give back what OTOBO
would have seen, noting on the report where the original text cannot be known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ticketflow.domain.errors import Problem


@dataclass
class Report:
    """Problems (the import is refused) and warnings (it goes on) found while reading one document."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, element: str, field: str | None, message: str) -> None:
        self.problems.append(Problem(element, message, field=field))

    def warn(self, element: str, field: str | None, message: str) -> None:
        warning = Problem(element, message, field=field, severity="warning")
        if warning not in self.warnings:
            self.warnings.append(warning)


def mapping(value: object) -> Mapping[str, Any] | None:
    """A map of the document; an empty value (None, ``''``, ``[]``) is an empty map; else None."""
    if value is None or value == "" or value == []:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return None


def text(value: object, report: Report, element: str, field: str) -> str:
    """A scalar as the text OTOBO would have read; lists and maps are reported as problems."""
    if isinstance(value, bool):
        # The text behind a YAML 1.1 boolean (yes/Yes/YES/on/true …) is lost; the shipped examples
        # write yes/no, so that is the best guess, and the author is told.
        guess = "yes" if value else "no"
        report.warn(
            element,
            field,
            f"the YAML reader turned an unquoted yes/no into a boolean; read as {guess!r}, but OTOBO "
            "keeps the text as written (YES, Yes …): load the file with yaml.BaseLoader to keep it exact",
        )
        return guess
    if value is None:
        return ""
    if isinstance(value, Mapping | list | tuple):
        report.problem(element, field, f"must be a single value, not {_kind(value)}")
        return ""
    return str(value)


def texts(value: object, report: Report, element: str, field: str) -> tuple[str, ...]:
    """A list of scalars (an empty value is an empty list)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        report.problem(element, field, f"must be a list, not {_kind(value)}")
        return ()
    return tuple(text(item, report, element, f"{field}[{i}]") for i, item in enumerate(value))


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__
