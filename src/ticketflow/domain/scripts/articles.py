"""Built-in script ``add_article``: an article on the ticket from templates."""

from __future__ import annotations

from ticketflow.domain.effects import AddArticle, Effect
from ticketflow.domain.errors import ScriptError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.scripts.contract import FunctionScript, ScriptContext

_SENDER_TYPES = ("agent", "system", "customer")


def _flag(context: ScriptContext, name: str) -> bool:
    value = context.parameters.get(name, "0").strip() or "0"
    if value not in ("0", "1"):
        raise ScriptError(f"parameter '{name}' must be 0 or 1, not '{value}'")
    return value == "1"


def _run_add_article(context: ScriptContext) -> tuple[Effect, ...]:
    sender_type = context.parameters.get("SenderType", "system").strip() or "system"
    if sender_type not in _SENDER_TYPES:
        raise ScriptError(
            f"parameter 'SenderType' must be one of {', '.join(_SENDER_TYPES)}, not '{sender_type}'"
        )
    return (
        AddArticle(
            subject=context.render_text(context.parameters.get("Subject", "")),
            body=context.render_text(context.required("Body")),
            channel=context.parameters.get("Channel", "").strip() or "Internal",
            sender_type=sender_type,
            visible_for_customer=_flag(context, "VisibleForCustomer"),
            content_type=context.parameters.get("ContentType", "").strip() or "text/plain; charset=utf-8",
        ),
    )


ADD_ARTICLE = FunctionScript(
    name="add_article",
    description="Adds an article (stored, not sent); Subject and Body may contain <OTOBO_…> placeholders.",
    parameters=(
        Parameter(
            "Body",
            "Article text.",
            required=True,
            example="Order <OTOBO_TICKET_DynamicField_OrderNo> placed.",
        ),
        Parameter("Subject", "Article subject.", example="Order placed"),
        Parameter("Channel", "Internal (default), Phone, Email …", example="Internal"),
        Parameter("VisibleForCustomer", "0 (default) or 1.", example="0"),
        Parameter("SenderType", "system (default), agent or customer.", example="system"),
        Parameter("ContentType", "text/plain; charset=utf-8 (default) or text/html."),
    ),
    function=_run_add_article,
)
