"""Sign-in state in SQL: sessions, API tokens, failed logins, customer password hashes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from ticketflow.db.prepared import Prepared
from ticketflow.db.tables import (
    agents,
    api_tokens,
    customer_passwords,
    customer_users,
    login_failures,
    sessions,
)
from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import NotFoundError
from ticketflow.usecases.auth_records import ApiToken, SessionRecord

# Every signed-in request reads its session or its token: on the driver's cursor (``prepared``), not
# through ``Connection.execute``'s per-call bookkeeping.
_FIND_SESSION = Prepared(select(sessions).where(sessions.c.key == bindparam("key")))
_FIND_TOKEN = Prepared(select(api_tokens).where(api_tokens.c.token_hash == bindparam("token_hash")))


class SqlAuthRepository:
    """``AuthRepository`` on one connection (one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- sessions ---

    def add_session(self, session: SessionRecord) -> None:
        row = {
            "key": session.key,
            "interface": session.interface.value,
            "login": session.login,
            "source": session.source,
            "client": session.client[:100],
            "csrf_secret": session.csrf_secret,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "expires_at": session.expires_at,
        }
        self._connection.execute(insert(sessions), row)

    def find_session(self, key: str) -> SessionRecord | None:
        rows = _FIND_SESSION.rows(self._connection, {"key": key})
        return _session(rows[0]) if rows else None

    def touch_session(self, key: str, *, last_seen_at: datetime) -> None:
        self._connection.execute(
            update(sessions).where(sessions.c.key == key).values(last_seen_at=last_seen_at)
        )

    def delete_session(self, key: str) -> None:
        self._connection.execute(delete(sessions).where(sessions.c.key == key))

    def delete_expired_sessions(self, now: datetime) -> int:
        result = self._connection.execute(delete(sessions).where(sessions.c.expires_at <= now))
        return int(result.rowcount)

    # --- API tokens ---

    def add_token(
        self,
        *,
        agent_login: str,
        name: str,
        token_hash: str,
        prefix: str,
        scopes: frozenset[str],
        created_at: datetime,
        expires_at: datetime | None,
    ) -> ApiToken:
        row = {
            "agent_login": agent_login,
            "name": name,
            "token_hash": token_hash,
            "prefix": prefix,
            "scopes": " ".join(sorted(scopes)),
            "created_at": created_at,
            "expires_at": expires_at,
        }
        token_id = self._connection.execute(insert(api_tokens).returning(api_tokens.c.id), row).scalar_one()
        return ApiToken(int(token_id), agent_login, name, prefix, scopes, created_at, expires_at)

    def find_token(self, token_hash: str) -> ApiToken | None:
        rows = _FIND_TOKEN.rows(self._connection, {"token_hash": token_hash})
        return _token(rows[0]) if rows else None

    def list_tokens(self, agent_login: str | None = None) -> Sequence[ApiToken]:
        statement = select(api_tokens).order_by(api_tokens.c.id)
        if agent_login is not None:
            statement = statement.where(api_tokens.c.agent_login == agent_login)
        return [_token(row) for row in self._connection.execute(statement).mappings()]

    def revoke_token(self, token_id: int, *, revoked_at: datetime) -> ApiToken | None:
        self._connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=revoked_at)
        )
        row = (
            self._connection.execute(select(api_tokens).where(api_tokens.c.id == token_id)).mappings().first()
        )
        return None if row is None else _token(row)

    def touch_token(self, token_id: int, *, used_at: datetime) -> None:
        self._connection.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=used_at)
        )

    # --- failed logins ---

    def add_login_failure(self, key: str, at: datetime) -> None:
        self._connection.execute(insert(login_failures), {"key": key[:300], "failed_at": at})

    def count_login_failures(self, key: str, since: datetime) -> int:
        statement = select(func.count()).where(
            login_failures.c.key == key[:300], login_failures.c.failed_at > since
        )
        return int(self._connection.execute(statement).scalar_one())

    def clear_login_failures(self, key: str) -> None:
        self._connection.execute(delete(login_failures).where(login_failures.c.key == key[:300]))

    # --- passwords ---

    def set_agent_password(self, login: str, password_hash: str) -> None:
        result = self._connection.execute(
            update(agents).where(agents.c.login == login).values(password_hash=password_hash)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"agent '{login}' does not exist")

    def find_customer_password(self, login: str) -> str | None:
        statement = select(customer_passwords.c.password_hash).where(customer_passwords.c.login == login)
        found = self._connection.execute(statement).scalar_one_or_none()
        return None if found is None else str(found)

    def set_customer_password(self, login: str, password_hash: str) -> None:
        exists = select(customer_users.c.login).where(customer_users.c.login == login)
        if self._connection.execute(exists).first() is None:
            raise NotFoundError(f"customer user '{login}' does not exist")
        self._connection.execute(delete(customer_passwords).where(customer_passwords.c.login == login))
        self._connection.execute(insert(customer_passwords), {"login": login, "password_hash": password_hash})


def _session(row: Mapping[Any, Any]) -> SessionRecord:
    return SessionRecord(
        key=row["key"],
        interface=Interface(row["interface"]),
        login=row["login"],
        source=row["source"],
        client=row["client"],
        csrf_secret=row["csrf_secret"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
    )


def _token(row: Mapping[Any, Any]) -> ApiToken:
    return ApiToken(
        id=row["id"],
        agent_login=row["agent_login"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=frozenset(str(row["scopes"]).split()),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )
