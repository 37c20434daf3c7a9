"""Records of sign-in: server-side sessions and API tokens, as the store hands them to ``usecases.auth``.

Secrets never appear here in plain text: a session is stored under the SHA-256 of its id and a token
under the SHA-256 of its text, so a leaked database does not let anyone sign in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketflow.domain.definitions import Interface

# Token scopes: ``read`` (GET), ``write`` (tickets and dialogs), ``admin`` (catalog, processes, incidents).
SCOPES = ("read", "write", "admin")


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A signed-in browser or GenericInterface client. ``key`` is the SHA-256 of the session id.

    ``source`` is ``web`` (the UI's cookie) or ``GenericInterface`` (OTOBO's SessionCreate);
    ``csrf_secret`` is the value every form of this session must echo back."""

    key: str
    interface: Interface
    login: str
    source: str
    client: str
    csrf_secret: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token of an agent. ``prefix`` (``tf_`` and a few characters) identifies it in lists;
    the token text itself is shown once, at creation, and only its hash is stored."""

    id: int
    agent_login: str
    name: str
    prefix: str
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
