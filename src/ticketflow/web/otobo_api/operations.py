"""The GenericTicketConnector operations (reference §2.6) on ticketflow's use cases.

Each operation takes the merged request data (query, body, path parameters) and returns OTOBO's
answer. An operation-level failure raises ``OperationError`` with OTOBO's ``<Op>.<Reason>`` code,
which the transport answers with HTTP 200 and an ``Error`` object, as OTOBO does (§2.3).

Attachments (base64 ``Content`` with ``Filename`` and ``ContentType``) are stored with their article
in the same transaction (stricter than OTOBO, where a later failure leaves the ticket created);
TicketGet returns them with ``Attachments=1``.

Partial support, said plainly: ``PendingTime`` takes ``{Year, Month, Day, Hour, Minute}`` (not
``Diff``); TicketSearch filters by number, title (``%``/``*`` wildcards), queues, states, state types,
priorities, types, customer and dynamic fields (``Equals``), and ignores other criteria.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ticketflow.bootstrap import Application
from ticketflow.domain.definitions import Interface
from ticketflow.domain.effects import AddArticle
from ticketflow.domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TicketflowError,
)
from ticketflow.domain.tickets import DYNAMIC_FIELD_PREFIX, Ticket, Value
from ticketflow.usecases import access, attachments, principals
from ticketflow.usecases.auth import Auth, AuthenticationError, LoginThrottledError, session_caller
from ticketflow.usecases.callers import Caller
from ticketflow.usecases.records import Attachment, NewAttachment
from ticketflow.usecases.tickets import TicketInput
from ticketflow.web.otobo_api.shapes import Lookups, article_data, history_data, otobo_time, ticket_data

Data = Mapping[str, Any]


class OperationError(Exception):
    """An OTOBO operation error: answered as HTTP 200 ``{"Error": {"ErrorCode", "ErrorMessage"}}``."""

    def __init__(self, operation: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = f"{operation}.{reason}"
        self.message = f"{operation}: {message}"


@dataclass(frozen=True, slots=True)
class Context:
    """What an operation needs: the application, the sign-in use cases, the client, the op config."""

    application: Application
    auth: Auth
    client: str
    operation: str
    include_ticket_data: bool = False

    def fail(self, reason: str, message: str) -> OperationError:
        return OperationError(self.operation, reason, message)

    def lookups(self) -> Lookups:
        application = self.application
        with application.uow() as uow:
            return Lookups.of(application.runtime.catalog(uow, _now()))


def _now() -> datetime:
    return datetime.now(UTC)


def text(value: object) -> str:
    """A scalar input, whitespace-trimmed as OTOBO does; JSON numbers and booleans become text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value).strip()


MAX_ID = 2**31 - 1  # database ids are 32-bit; a larger one cannot exist


def is_id(value: str) -> bool:
    return value.isdigit() and 0 < int(value) <= MAX_ID


def flag(value: object) -> bool:
    return text(value) not in ("", "0")


def as_list(value: object) -> list[str]:
    """A list input: a JSON list, a comma-separated string, or one value."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [text(v) for v in value if text(v)]
    return [part.strip() for part in text(value).split(",") if part.strip()]


def objects(value: object) -> list[Mapping[str, Any]]:
    """A list of objects where OTOBO also takes a single object (``DynamicField``, ``Attachment``)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        return list(value)
    raise InvalidInputError("must be an object or a list of objects", field="DynamicField")


# --- authentication ------------------------------------------------------------------------------


def authenticate(context: Context, data: Data) -> principals.Principal:
    """OTOBO's order: SessionID, else UserLogin+Password (agent), else CustomerUserLogin+Password."""
    try:
        caller = _caller(context, data)
        return principals.load_principal(context.application.uow, caller)
    except (AuthenticationError, LoginThrottledError, PermissionDeniedError) as error:
        raise context.fail("AuthFail", f"Authorization failing! ({error.message})") from error


def _caller(context: Context, data: Data) -> Caller:
    session_id = text(data.get("SessionID"))
    if session_id:
        session = context.auth.find_session(session_id)
        if session is None:
            raise AuthenticationError("the session is invalid")
        return session_caller(session)
    password = text(data.get("Password"))
    if text(data.get("UserLogin")) and password:
        return context.auth.sign_in(Interface.AGENT, text(data["UserLogin"]), password, client=context.client)
    if text(data.get("CustomerUserLogin")) and password:
        login = text(data["CustomerUserLogin"])
        return context.auth.sign_in(Interface.CUSTOMER, login, password, client=context.client)
    raise AuthenticationError("no SessionID, UserLogin or CustomerUserLogin with Password")


# --- sessions ------------------------------------------------------------------------------------


def session_create(context: Context, data: Data) -> dict[str, Any]:
    if not text(data.get("Password")) or not (
        text(data.get("UserLogin")) or text(data.get("CustomerUserLogin"))
    ):
        raise context.fail("MissingParameter", "UserLogin or CustomerUserLogin, and Password, are required!")
    try:
        caller = _caller(context, {k: v for k, v in data.items() if k != "SessionID"})
    except (AuthenticationError, LoginThrottledError) as error:
        raise context.fail("AuthFail", f"Authorization failing! ({error.message})") from error
    session_id, _ = context.auth.create_session(caller, client=context.client, source="GenericInterface")
    return {"SessionID": session_id}


def session_get(context: Context, data: Data) -> dict[str, Any]:
    session_id = text(data.get("SessionID"))
    if not session_id:
        raise context.fail("MissingParameter", "SessionID is missing!")
    session = context.auth.find_session(session_id)
    if session is None:
        raise context.fail("SessionInvalid", "SessionID is Invalid!")
    user_type = "Customer" if session.interface is Interface.CUSTOMER else "User"
    login_key = "UserLogin" if user_type == "User" else "CustomerUserLogin"
    pairs = {
        login_key: session.login,
        "UserType": user_type,
        "SessionSource": session.source,
        "UserSessionStart": str(int(session.created_at.timestamp())),
        "UserLastRequest": str(int(session.last_seen_at.timestamp())),
        "UserRemoteAddr": session.client,
        "CreateTime": otobo_time(session.created_at),
    }
    return {"SessionData": [{"Key": key, "Value": value} for key, value in pairs.items()]}


def session_remove(context: Context, data: Data) -> dict[str, Any]:
    session_id = text(data.get("SessionID"))
    if not session_id or context.auth.find_session(session_id) is None:
        raise context.fail("SessionInvalid", "SessionID is Invalid!")
    context.auth.end_session(session_id)
    return {"Success": 1}


# --- input mapping -------------------------------------------------------------------------------

_NAMED = (("Queue", "Queue"), ("State", "State"), ("Priority", "Priority"), ("Type", "Type"))
_PLAIN = {
    "Title": "Title",
    "CustomerUser": "CustomerUserID",
    "CustomerID": "CustomerID",
    "Service": "Service",
    "SLA": "SLA",
}


def ticket_values(context: Context, ticket: Mapping[str, Any], lookups: Lookups) -> dict[str, Value]:
    """OTOBO's ``Ticket`` object → ticketflow ticket-data values (ids resolved to names)."""
    values: dict[str, Value] = {}
    for key, target in _PLAIN.items():
        if text(ticket.get(key)):
            values[target] = text(ticket[key])
    for key, kind in (*_NAMED, ("Owner", "Owner"), ("Responsible", "Owner")):
        if text(ticket.get(f"{key}ID")):
            name = lookups.name_of(kind, ticket[f"{key}ID"])
            if name is None:
                raise context.fail(
                    "InvalidParameter", f"Ticket->{key}ID or Ticket->{key} parameter is invalid!"
                )
            values[key] = name
        elif text(ticket.get(key)):
            values[key] = text(ticket[key])
    lock = text(ticket.get("Lock")) or {"1": "unlock", "2": "lock", "3": "tmp_lock"}.get(
        text(ticket.get("LockID")), ""
    )
    if lock:
        values["Lock"] = lock
    pending = ticket.get("PendingTime")
    if isinstance(pending, Mapping) and pending:
        try:
            parts = [int(text(pending[k])) for k in ("Year", "Month", "Day", "Hour", "Minute")]
            year, month, day, hour, minute = parts
            moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except (KeyError, ValueError, TypeError) as error:
            raise context.fail("InvalidParameter", "Ticket->PendingTime parameter is invalid!") from error
        values["PendingTime"] = moment.strftime("%Y-%m-%d %H:%M:00")
    return values


def field_values(context: Context, data: Data) -> dict[str, Value]:
    if data.get("DynamicField") in (None, "", []):
        return {}
    values: dict[str, Value] = {}
    try:
        entries = objects(data["DynamicField"])
    except InvalidInputError as error:
        raise context.fail("InvalidParameter", "DynamicField parameter is invalid!") from error
    for entry in entries:
        name = text(entry.get("Name"))
        if not name:
            raise context.fail("MissingParameter", "DynamicField->Name parameter is missing!")
        value = entry.get("Value")
        values[DYNAMIC_FIELD_PREFIX + name] = (
            tuple(as_list(value)) if isinstance(value, list) else text(value)
        )
    return values


def article_effect(
    context: Context, article: Mapping[str, Any], principal: principals.Principal
) -> AddArticle:
    if not text(article.get("Subject")):
        raise context.fail("MissingParameter", "Article->Subject parameter is missing!")
    if "Body" not in article:
        raise context.fail("MissingParameter", "Article->Body parameter is missing!")
    content_type = text(article.get("ContentType"))
    if not content_type:
        if not (text(article.get("MimeType")) and text(article.get("Charset"))):
            raise context.fail(
                "MissingParameter", "Article->ContentType or MimeType and Charset is required!"
            )
        charset = text(article["Charset"]).lower().replace("utf8", "utf-8")
        content_type = f"{text(article['MimeType'])}; charset={charset}"
    channel = text(article.get("CommunicationChannel")) or {"1": "Email", "2": "Phone"}.get(
        text(article.get("CommunicationChannelID")), "Internal"
    )
    if channel not in ("Email", "Phone", "Internal"):
        raise context.fail("InvalidParameter", "Article->CommunicationChannel parameter is invalid!")
    default_sender = "customer" if principal.is_customer else "agent"
    visible = article.get("IsVisibleForCustomer", "1")
    return AddArticle(
        subject=text(article["Subject"]),
        body=str(article.get("Body") or ""),
        channel=channel,
        sender_type=text(article.get("SenderType")) or default_sender,
        visible_for_customer=flag(visible),
        content_type=content_type,
        from_address=text(article.get("From")),
        to_address=text(article.get("To")),
    )


def attachment_files(context: Context, data: Data, has_article: bool) -> list[NewAttachment]:
    """The request's attachments, decoded; checked like OTOBO does (base64, Filename, ContentType).
    The size limit is checked with the write (an ``InvalidParameter`` naming the file)."""
    if data.get("Attachment") in (None, "", []):
        return []
    if not has_article:
        raise context.fail("MissingParameter", "Attachment needs an Article!")
    files = []
    try:
        for entry in objects(data["Attachment"]):
            content = base64.b64decode(text(entry.get("Content")), validate=True)
            if not text(entry.get("Filename")) or not text(entry.get("ContentType")):
                raise InvalidInputError("needs Filename and ContentType", field="Attachment")
            files.append(NewAttachment(text(entry["Filename"]), text(entry["ContentType"]), content))
    except (binascii.Error, InvalidInputError) as error:
        raise context.fail("InvalidParameter", "Attachment parameter is invalid!") from error
    return files


def attachment_data(attachment: Attachment, file_id: int, with_content: bool) -> dict[str, Any]:
    """An attachment in TicketGet's shape; ``FileID`` counts the article's files from 1, as OTOBO's."""
    data: dict[str, Any] = {
        "ContentAlternative": "",
        "ContentID": "",
        "ContentType": attachment.content_type,
        "Disposition": "attachment",
        "FileID": str(file_id),
        "Filename": attachment.filename,
        "FilesizeRaw": str(attachment.size),
        "Filesize": _readable_size(attachment.size),
    }
    if with_content:
        data["Content"] = base64.b64encode(attachment.content or b"").decode()
    return data


def _readable_size(size: int) -> str:
    if size < 1024:
        return f"{size} Bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KBytes"
    return f"{size / 1024 / 1024:.1f} MBytes"


# --- tickets -------------------------------------------------------------------------------------


def ticket_create(context: Context, data: Data) -> dict[str, Any]:
    principal = authenticate(context, data)
    ticket_in, article_in = data.get("Ticket"), data.get("Article")
    if not isinstance(ticket_in, Mapping) or not isinstance(article_in, Mapping):
        raise context.fail("MissingParameter", "Ticket and Article are required!")
    for required in ("Title", "CustomerUser"):
        if not text(ticket_in.get(required)):
            raise context.fail("MissingParameter", f"Ticket->{required} parameter is missing!")
    for key in ("Queue", "State", "Priority"):
        if not text(ticket_in.get(key)) and not text(ticket_in.get(f"{key}ID")):
            raise context.fail("MissingParameter", f"Ticket->{key}ID or Ticket->{key} parameter is missing!")
    lookups = context.lookups()
    values = ticket_values(context, ticket_in, lookups) | field_values(context, data)
    article = article_effect(context, article_in, principal)
    files = attachment_files(context, data, has_article=True)
    ticket = _run(
        context,
        lambda: attachments.create_ticket(
            context.application.uow,
            context.application.runtime,
            principal,
            TicketInput(values, article),
            files,
            now=_now(),
            max_bytes=context.application.settings.attachment_max_bytes,
            field="Attachment",
        )[0],
    )
    return _answer(context, principal, ticket, lookups, new_article=True)


def ticket_update(context: Context, data: Data) -> dict[str, Any]:
    principal = authenticate(context, data)
    ticket_id = _ticket_id(context, data)
    lookups = context.lookups()
    ticket_in = data.get("Ticket")
    values = ticket_values(context, ticket_in, lookups) if isinstance(ticket_in, Mapping) else {}
    values |= field_values(context, data)
    article_in = data.get("Article")
    article = article_effect(context, article_in, principal) if isinstance(article_in, Mapping) else None
    files = attachment_files(context, data, has_article=article is not None)
    ticket = _run(
        context,
        lambda: attachments.update_ticket(
            context.application.uow,
            context.application.runtime,
            principal,
            ticket_id,
            values,
            files,
            now=_now(),
            max_bytes=context.application.settings.attachment_max_bytes,
            article=article,
            field="Attachment",
        )[0],
    )
    return _answer(context, principal, ticket, lookups, new_article=article is not None)


def _ticket_id(context: Context, data: Data) -> int:
    given = text(data.get("TicketID"))
    if is_id(given):
        return int(given)
    number = text(data.get("TicketNumber"))
    if number:
        with context.application.uow() as uow:
            found = uow.tickets.find_by_number(number)
        if found is not None:
            return found.id
        raise context.fail("AccessDenied", "No permission or the ticket does not exist!")
    raise context.fail("MissingParameter", "TicketID or TicketNumber is required!")


def _run(context: Context, call: Callable[[], Ticket]) -> Ticket:
    """Run a guarded use case, answering its refusals with OTOBO's error codes."""
    try:
        ticket = call()
    except (PermissionDeniedError, NotFoundError) as error:
        raise context.fail("AccessDenied", f"Access denied! ({error.message})") from error
    except InvalidInputError as error:
        raise context.fail("InvalidParameter", f"{error.message}") from error
    except TicketflowError as error:
        raise context.fail("InvalidParameter", error.message) from error
    return ticket


def _answer(
    context: Context, principal: principals.Principal, ticket: Ticket, lookups: Lookups, *, new_article: bool
) -> dict[str, Any]:
    answer: dict[str, Any] = {"TicketID": str(ticket.id), "TicketNumber": ticket.number}
    articles = access.list_articles(context.application.uow, principal, ticket.id)
    if new_article and articles:
        answer["ArticleID"] = str(articles[-1].id)
    if context.include_ticket_data:
        data = ticket_data(ticket, lookups, _now(), dynamic_fields=True)
        if articles:
            data["Article"] = article_data(articles[-1], lookups)
        answer["Ticket"] = data
    return answer


def ticket_get(context: Context, data: Data) -> dict[str, Any]:
    principal = authenticate(context, data)
    ids = as_list(data.get("TicketID"))
    if not ids:
        raise context.fail("MissingParameter", "TicketID parameter is missing!")
    if not all(is_id(i) for i in ids):
        raise context.fail("NotValidTicketID", "Could not get Ticket ID!")
    lookups = context.lookups()
    answers = []
    for ticket_id in map(int, ids):
        try:
            ticket = access.check_ticket(context.application.uow, principal, ticket_id)
        except (PermissionDeniedError, NotFoundError) as error:
            raise context.fail("AccessDenied", "User does not have access to the ticket!") from error
        item = ticket_data(ticket, lookups, _now(), dynamic_fields=flag(data.get("DynamicFields")))
        if flag(data.get("AllArticles")):
            item["Article"] = _articles(context, principal, ticket_id, data, lookups)
        answers.append(item)
    return {"Ticket": answers}


def _articles(
    context: Context, principal: principals.Principal, ticket_id: int, data: Data, lookups: Lookups
) -> list[dict[str, Any]]:
    articles = access.list_articles(context.application.uow, principal, ticket_id)
    senders = set(as_list(data.get("ArticleSenderType")))
    chosen = [a for a in articles if not senders or a.sender_type in senders]
    if text(data.get("ArticleOrder")).upper() == "DESC":
        chosen.reverse()
    limit = text(data.get("ArticleLimit"))
    if limit.isdigit() and int(limit) > 0:
        chosen = chosen[: int(limit)]
    answers = [article_data(a, lookups) for a in chosen]
    if flag(data.get("Attachments")):
        with_content = flag(data.get("GetAttachmentContents", "1"))
        files = attachments.list_attachments(
            context.application.uow, principal, ticket_id, with_content=with_content
        )
        for article, answer in zip(chosen, answers, strict=True):
            mine = [f for f in files if f.article_id == article.id]
            if mine:
                answer["Attachment"] = [
                    attachment_data(f, index, with_content) for index, f in enumerate(mine, start=1)
                ]
    return answers


def ticket_history_get(context: Context, data: Data) -> dict[str, Any]:
    principal = authenticate(context, data)
    if principal.is_customer:
        raise context.fail("AuthFail", "User needs to an Agent!")
    ids = as_list(data.get("TicketID"))
    if not ids:
        raise context.fail("MissingParameter", "TicketID parameter is missing!")
    if not all(is_id(i) for i in ids):
        raise context.fail("WrongStructure", "TicketID parameter is invalid!")
    lookups = context.lookups()
    result = []
    for ticket_id in map(int, ids):
        try:
            ticket = access.check_ticket(context.application.uow, principal, ticket_id)
            entries = access.ticket_history(context.application.uow, principal, ticket_id)
        except (PermissionDeniedError, NotFoundError) as error:
            raise context.fail("AccessDenied", "User does not have access to the ticket!") from error
        history = [history_data(e, ticket, lookups) for e in entries]
        result.append({"TicketID": str(ticket_id), "History": history})
    return {"TicketHistory": result}
