"""The readable form of a transition condition, e.g. ``Status = 'ok' and (Priority > 3 or Queue =~ /^IT/)``.

It maps onto OTOBO's two-level tree (``conditions``) and back, and is parsed by a small tokenizer
and a recursive-descent parser; nothing is ever handed to ``eval``. Grammar (``docs/conditions.md``)::

    condition  = item { connective item }            (one connective throughout: the linking)
    item       = "(" test { connective test } ")"    (one group; one connective inside: its type)
               | test                                (a group of type "and" with this one field)
    test       = field ( operator value | "contains" "all" list | "has" map )
               | "valid" "(" module ")" [ "as" field ]
    operator   = "=" | "!=" | "=~" | "!~" | "<" | "<=" | ">" | ">="
    value      = string | number | pattern           (=~ and !~ take a pattern or a string)
    connective = "and" | "or" | "xor"                (keywords are case-insensitive)

Groups are named "1", "2", … in written order, zero-padded to equal width ("01" … "12") so that
OTOBO's string order of names (reference §3.4 point 2) is the written order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

from ticketflow.domain.conditions import (
    Condition,
    ConditionGroup,
    FieldMatch,
    Linking,
    MatchType,
    find_field_problem,
)
from ticketflow.domain.errors import InvalidInputError


class ExpressionError(InvalidInputError):
    """An expression that cannot be read; ``position`` is the 0-based offset of the problem."""

    code = "invalid_expression"

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"column {position + 1}: {message}")
        self.position = position


_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?")
_SPACE: Final = re.compile(r"\s*")
_OPERATORS: Final = ("<=", ">=", "!=", "=~", "!~", "=", "<", ">")  # longest first
_PUNCTUATION: Final = "()[]{},:"
_STRING_ESCAPES: Final[Mapping[str, str]] = MappingProxyType(
    {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
)
_CONNECTIVES: Final[Mapping[str, Linking]] = MappingProxyType(
    {"and": Linking.AND, "or": Linking.OR, "xor": Linking.XOR}
)
_COMPARISONS: Final[Mapping[str, MatchType]] = MappingProxyType(
    {
        "=": MatchType.STRING,
        "!=": MatchType.NOT_EQUAL,
        "=~": MatchType.REGEXP,
        "!~": MatchType.NOT_REGEXP,
        "<": MatchType.LESS_THAN,
        "<=": MatchType.LESS_THAN_OR_EQUAL,
        ">": MatchType.GREATER_THAN,
        ">=": MatchType.GREATER_THAN_OR_EQUAL,
    }
)
_SYMBOLS: Final[Mapping[MatchType, str]] = MappingProxyType(
    {kind: symbol for symbol, kind in _COMPARISONS.items()}
)
_EXPECTED_OPERATOR: Final = "an operator (= != =~ !~ < <= > >=, 'contains all' or 'has')"


# --- tokens ------------------------------------------------------------------------------------


class _Kind(Enum):
    WORD = "word"
    STRING = "string"
    NUMBER = "number"
    PATTERN = "pattern"
    OPERATOR = "operator"
    PUNCTUATION = "punctuation"
    END = "end"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    value: str  # decoded for strings and patterns, as written otherwise
    start: int
    end: int
    written: str

    def is_word(self, keyword: str) -> bool:
        return self.kind is _Kind.WORD and self.value.lower() == keyword

    def is_symbol(self, symbol: str) -> bool:
        return self.kind is _Kind.PUNCTUATION and self.value == symbol

    def describe(self) -> str:
        return "end of text" if self.kind is _Kind.END else repr(self.written)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = _skip_space(text, 0)
    while position < len(text):
        token = _read_token(text, position)
        tokens.append(token)
        position = _skip_space(text, token.end)
    tokens.append(_Token(_Kind.END, "", len(text), len(text), ""))
    return tokens


def _skip_space(text: str, position: int) -> int:
    found = _SPACE.match(text, position)
    return found.end() if found else position


def _read_token(text: str, start: int) -> _Token:
    char = text[start]
    if char in "'\"":
        return _read_string(text, start)
    if char == "/":
        return _read_pattern(text, start)
    if char in _PUNCTUATION:
        return _Token(_Kind.PUNCTUATION, char, start, start + 1, char)
    for kind, pattern in ((_Kind.NUMBER, _NUMBER), (_Kind.WORD, _WORD)):
        found = pattern.match(text, start)
        if found:
            return _Token(kind, found.group(), start, found.end(), found.group())
    for symbol in _OPERATORS:
        if text.startswith(symbol, start):
            return _Token(_Kind.OPERATOR, symbol, start, start + len(symbol), symbol)
    raise ExpressionError(f"unexpected character {char!r}", start)


def _read_string(text: str, start: int) -> _Token:
    quote, position = text[start], start + 1
    decoded: list[str] = []
    while position < len(text):
        char = text[position]
        if char == quote:
            end = position + 1
            return _Token(_Kind.STRING, "".join(decoded), start, end, text[start:end])
        if char == "\\":
            escaped = _STRING_ESCAPES.get(text[position + 1 : position + 2])
            if escaped is None:
                raise ExpressionError(
                    "unknown escape in a string; use \\\\ \\' \\\" \\n \\t or \\r", position
                )
            decoded.append(escaped)
            position += 2
        else:
            decoded.append(char)
            position += 1
    raise ExpressionError("string is not closed", start)


def _read_pattern(text: str, start: int) -> _Token:
    # Only "\/" is decoded (to "/"); every other backslash pair stays for the regex engine.
    decoded: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "/":
            end = position + 1
            return _Token(_Kind.PATTERN, "".join(decoded), start, end, text[start:end])
        if char == "\\" and position + 1 < len(text):
            pair = text[position : position + 2]
            decoded.append("/" if pair == "\\/" else pair)
            position += 2
        else:
            decoded.append(char)
            position += 1
    raise ExpressionError("pattern is not closed with '/'", start)


# --- parsing -----------------------------------------------------------------------------------


def parse_expression(text: str) -> Condition:
    """Read an expression into a condition tree.

    Raises ``ExpressionError`` (an ``InvalidInputError``) whose message starts with the 1-based
    column and says what was expected; values OTOBO would reject (an empty ``=`` text, a pattern
    that does not compile …) are refused here, at the value's column.
    """
    return _Parser(_tokenize(text)).parse_condition()


_Item = tuple[Linking, list[FieldMatch]]


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0

    def parse_condition(self) -> Condition:
        items = [self._item()]
        linking = self._connective()
        if linking is not None:
            items.append(self._item())
            while (more := self._connective()) is not None:
                if more is not linking:
                    raise self._mixed(linking, more)
                items.append(self._item())
        if self._peek().kind is not _Kind.END:
            raise self._unexpected("'and', 'or', 'xor' or end of text")
        return _build_condition(linking or Linking.AND, items)

    def _item(self) -> _Item:
        if not self._peek().is_symbol("("):
            return Linking.AND, [self._test()]
        opening = self._advance()
        fields = [self._test()]
        group_type = self._connective()
        if group_type is not None:
            fields.append(self._test())
            while (more := self._connective()) is not None:
                if more is not group_type:
                    raise self._mixed(group_type, more)
                fields.append(self._test())
        if not self._peek().is_symbol(")"):
            expected = f"'and', 'or', 'xor' or ')' to close the '(' at column {opening.start + 1}"
            raise self._unexpected(expected)
        self._advance()
        return group_type or Linking.AND, fields

    def _test(self) -> FieldMatch:
        token = self._peek()
        if token.is_symbol("("):
            raise ExpressionError(
                "parentheses nest one level only: a group holds comparisons, not groups",
                token.start,
            )
        if token.kind is not _Kind.WORD:
            raise self._unexpected("a field name or valid(...)")
        self._advance()
        if token.is_word("valid") and self._peek().is_symbol("("):
            return self._module_test()
        return self._comparison(token.value)

    def _comparison(self, field: str) -> FieldMatch:
        token = self._peek()
        if token.kind is _Kind.OPERATOR:
            self._advance()
            kind = _COMPARISONS[token.value]
            value = self._value_after(token.value, kind)
            return _checked(FieldMatch(field, kind, value.value), value)
        if token.is_word("contains"):
            self._advance()
            self._expect_word("all", "'all' after 'contains'")
            return FieldMatch(field, MatchType.ARRAY, self._list())
        if token.is_word("has"):
            self._advance()
            return FieldMatch(field, MatchType.HASH, self._map())
        raise self._unexpected(f"{_EXPECTED_OPERATOR} after {field!r}")

    def _module_test(self) -> FieldMatch:
        self._advance()  # the "(" after "valid"
        module = self._peek()
        if module.kind is not _Kind.WORD:
            raise self._unexpected("a module name such as ValidateDemo")
        self._advance()
        self._expect_symbol(")", "')' after the module name")
        label = module.value
        if self._peek().is_word("as"):
            self._advance()
            label = self._expect_word(None, "a field name after 'as'")
        return _checked(FieldMatch(label, MatchType.MODULE, module.value), module)

    def _value_after(self, operator: str, kind: MatchType) -> _Token:
        token = self._peek()
        if kind in (MatchType.REGEXP, MatchType.NOT_REGEXP):
            accepted, expected = (_Kind.PATTERN, _Kind.STRING), "a /pattern/ or a quoted text"
        else:
            accepted, expected = (_Kind.STRING, _Kind.NUMBER), "a quoted text or a number"
        if token.kind not in accepted:
            raise self._unexpected(f"{expected} after {operator!r}")
        return self._advance()

    def _list(self) -> tuple[str, ...]:
        self._expect_symbol("[", "'[' to start a list")
        values: list[str] = []
        while not self._peek().is_symbol("]"):
            if values:
                self._expect_symbol(",", "',' or ']'")
            values.append(self._literal("a quoted text or a number in the list"))
        self._advance()
        return tuple(values)

    def _map(self) -> Mapping[str, str]:
        self._expect_symbol("{", "'{' to start a key/value map")
        entries: dict[str, str] = {}
        while not self._peek().is_symbol("}"):
            if entries:
                self._expect_symbol(",", "',' or '}'")
            key_token = self._peek()
            key = self._literal("a quoted key")
            if key in entries:
                raise ExpressionError(f"key {key!r} appears twice", key_token.start)
            self._expect_symbol(":", "':' after the key")
            entries[key] = self._literal("a quoted text or a number")
        self._advance()
        return MappingProxyType(entries)

    def _literal(self, expected: str) -> str:
        if self._peek().kind not in (_Kind.STRING, _Kind.NUMBER):
            raise self._unexpected(expected)
        return self._advance().value

    def _connective(self) -> Linking | None:
        token = self._peek()
        found = _CONNECTIVES.get(token.value.lower()) if token.kind is _Kind.WORD else None
        if found is not None:
            self._advance()
        return found

    def _expect_symbol(self, symbol: str, expected: str) -> None:
        if not self._peek().is_symbol(symbol):
            raise self._unexpected(expected)
        self._advance()

    def _expect_word(self, keyword: str | None, expected: str) -> str:
        token = self._peek()
        if token.kind is not _Kind.WORD or (keyword is not None and not token.is_word(keyword)):
            raise self._unexpected(expected)
        return self._advance().value

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _advance(self) -> _Token:
        token = self._tokens[self._index]
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _unexpected(self, expected: str) -> ExpressionError:
        token = self._peek()
        return ExpressionError(f"expected {expected}, found {token.describe()}", token.start)

    def _mixed(self, first: Linking, other: Linking) -> ExpressionError:
        position = self._tokens[self._index - 1].start
        return ExpressionError(
            f"cannot mix '{first.value}' and '{other.value}' at one level; add parentheses",
            position,
        )


def _checked(field_match: FieldMatch, value: _Token) -> FieldMatch:
    problem = find_field_problem(field_match)
    if problem is not None:
        raise ExpressionError(problem, value.start)
    return field_match


def _build_condition(linking: Linking, items: Sequence[_Item]) -> Condition:
    names = group_names(len(items))
    groups = tuple(
        ConditionGroup(name, group_type, tuple(fields))
        for name, (group_type, fields) in zip(names, items, strict=True)
    )
    return Condition(linking, groups)


def group_names(count: int) -> tuple[str, ...]:
    """The names parsing gives ``count`` groups: "1" … "9", or zero-padded ("01" … "12") from ten on,
    so that their string order (OTOBO's visit order) is their written order."""
    width = len(str(count))
    return tuple(str(number).zfill(width) for number in range(1, count + 1))


# --- formatting --------------------------------------------------------------------------------


def format_expression(condition: Condition, *, rename_groups: bool = False) -> str | None:
    """Write a condition as an expression, or None when it has no expression form.

    ``parse_expression(format_expression(c)) == c`` whenever the result is not None. Not
    expressible: no groups; one group under or/xor linking; a one-field group of type or/xor;
    a field without type, with a name that is not a plain word, or with a value OTOBO rejects;
    and group names other than ``group_names`` — unless ``rename_groups``, which writes the groups
    in OTOBO's visit order (string order of names) and lets parsing renumber them.
    """
    groups = condition.groups
    if rename_groups:
        groups = tuple(sorted(groups, key=lambda group: group.name))
    elif tuple(group.name for group in groups) != group_names(len(groups)):
        return None
    if not groups or (len(groups) == 1 and condition.linking is not Linking.AND):
        return None
    parts = [_format_group(group) for group in groups]
    if any(part is None for part in parts):
        return None
    return f" {condition.linking.value} ".join(part for part in parts if part is not None)


def _format_group(group: ConditionGroup) -> str | None:
    if not group.fields or (len(group.fields) == 1 and group.type is not Linking.AND):
        return None
    parts = [_format_field(field_match) for field_match in group.fields]
    if any(part is None for part in parts):
        return None
    if len(parts) == 1:
        return parts[0]
    return "(" + f" {group.type.value} ".join(part for part in parts if part is not None) + ")"


def _format_field(field_match: FieldMatch) -> str | None:
    kind, field, match = field_match.type, field_match.field, field_match.match
    if kind is None or not _WORD.fullmatch(field) or find_field_problem(field_match):
        return None
    if isinstance(match, str):
        if kind is MatchType.MODULE:
            return _format_module(field, match)
        if kind in (MatchType.REGEXP, MatchType.NOT_REGEXP):
            return f"{field} {_SYMBOLS[kind]} {_format_pattern(match)}"
        return f"{field} {_SYMBOLS[kind]} {_format_value(match)}"
    if isinstance(match, tuple):
        return f"{field} contains all [{', '.join(_format_value(item) for item in match)}]"
    entries = (f"{_quote(key)}: {_format_value(value)}" for key, value in match.items())
    return f"{field} has {{{', '.join(entries)}}}"


def _format_module(label: str, module: str) -> str | None:
    if not _WORD.fullmatch(module):
        return None
    return f"valid({module})" if label == module else f"valid({module}) as {label}"


def _format_value(text: str) -> str:
    return text if _NUMBER.fullmatch(text) else _quote(text)


def _quote(text: str) -> str:
    quote = '"' if "'" in text and '"' not in text else "'"
    escaped = (
        text.replace("\\", "\\\\")
        .replace(quote, "\\" + quote)
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return quote + escaped + quote


def _format_pattern(pattern: str) -> str:
    """``/pattern/`` when the literal reads back to the same text, else a quoted string."""
    written, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            pair = pattern[position : position + 2]
            if len(pair) < 2 or pair == "\\/":  # "\/" would read back as "/"
                return _quote(pattern)
            written.append(pair)
            position += 2
            continue
        if char in "\n\r":
            return _quote(pattern)
        written.append("\\/" if char == "/" else char)
        position += 1
    return "/" + "".join(written) + "/"
