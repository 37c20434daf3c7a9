"""Secrets by name: web-service credentials never live in a process definition, a web-service config
or an export — those name a secret (``ERP_TOKEN``) and this store looks the value up at call time.

Where a secret ``NAME`` comes from, first match wins:

1. the environment variable ``TICKETFLOW_SECRET_NAME`` (the prefix keeps a config from reading
   arbitrary variables of the server's environment, such as the database URL);
2. the secrets file (``TICKETFLOW_SECRETS_FILE``): a JSON object ``{"NAME": "value"}`` or lines
   ``NAME=value`` (``#`` starts a comment line). It is read once, when the store is built.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from ticketflow.domain.errors import InvalidInputError, NotFoundError

ENV_PREFIX = "TICKETFLOW_SECRET_"


class SecretStore:
    """Looks secrets up by name; ``environ`` is injectable for tests."""

    def __init__(self, file: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._file_values = read_secrets_file(file) if file is not None else {}

    def get(self, name: str) -> str:
        """The secret's value; NotFoundError naming where it was looked for (never a value)."""
        found = self._environ.get(ENV_PREFIX + name)
        if found is None:
            found = self._file_values.get(name)
        if found is None:
            raise NotFoundError(
                f"secret '{name}' is set neither as {ENV_PREFIX}{name} nor in the secrets file"
            )
        return found


def read_secrets_file(path: Path) -> dict[str, str]:
    """The secrets of ``path`` (see the module docstring); InvalidInputError for a malformed file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(
            f"cannot read the secrets file {path}: {error.strerror}", "secrets_file"
        ) from None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise InvalidInputError(f"{path} is not valid JSON", "secrets_file") from None
        return {str(key): str(value) for key, value in document.items()}
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, separator, value = stripped.partition("=")
        if not separator or not name.strip():
            raise InvalidInputError(f"{path} line {number}: expected NAME=value", "secrets_file")
        values[name.strip()] = value.strip()
    return values
