"""``ticketflow agent set-password`` and ``ticketflow token create|list|revoke``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ticketflow.cli import admin
from ticketflow.cli.context import open_application
from ticketflow.domain.definitions import Interface
from ticketflow.outbound.passwords import Argon2Hasher
from ticketflow.usecases.auth import Auth

token_app = typer.Typer(
    help="API tokens for the REST API (Authorization: Bearer tf_…).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """``agent set-password``, ``customer-user set-password`` and the ``token`` group."""
    admin.agent_app.command("set-password")(agent_set_password)
    admin.customer_user_app.command("set-password")(customer_set_password)
    app.add_typer(token_app, name="token")


@contextmanager
def _auth(ctx: typer.Context) -> Iterator[Auth]:
    with open_application(ctx) as application:
        yield Auth(application.uow, Argon2Hasher())


def _password(given: str | None) -> str:
    return given if given is not None else typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def agent_set_password(
    ctx: typer.Context,
    login: str,
    password: str | None = typer.Option(None, "--password", help="default: asked for, not echoed"),
) -> None:
    """Set an agent's password (stored as an argon2id hash)."""
    with _auth(ctx) as auth:
        auth.set_password(Interface.AGENT, login, _password(password))
    typer.echo(f"password of agent '{login}' set")


def customer_set_password(
    ctx: typer.Context,
    login: str,
    password: str | None = typer.Option(None, "--password", help="default: asked for, not echoed"),
) -> None:
    """Set a customer user's password (stored as an argon2id hash)."""
    with _auth(ctx) as auth:
        auth.set_password(Interface.CUSTOMER, login, _password(password))
    typer.echo(f"password of customer user '{login}' set")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="the agent the token acts as"),
    name: str = typer.Option(..., "--name", help="what the token is for"),
    scope: list[str] = typer.Option(["read"], "--scope", help="read, write or admin (repeatable)"),  # noqa: B008
) -> None:
    """Create a token; its text is printed once and only its hash is stored."""
    with _auth(ctx) as auth:
        text, token = auth.create_token(login, name=name, scopes=scope)
    typer.echo(
        f"token {token.id} ({' '.join(sorted(token.scopes))}) for {login}; keep it, it is not shown again:"
    )
    typer.echo(text)


@token_app.command("list")
def token_list(
    ctx: typer.Context, login: str | None = typer.Argument(None, help="only this agent's")
) -> None:
    """List tokens (id, agent, name, prefix, scopes, state)."""
    with _auth(ctx) as auth:
        tokens = auth.list_tokens(login)
    for token in tokens:
        status = "revoked" if token.revoked_at else "active"
        scopes = ",".join(sorted(token.scopes))
        typer.echo(f"{token.id}\t{token.agent_login}\t{token.name}\t{token.prefix}…\t{scopes}\t{status}")


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    with _auth(ctx) as auth:
        auth.revoke_token(token_id)
    typer.echo(f"token {token_id} revoked")
