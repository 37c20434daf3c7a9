"""ticketflow's own transition actions, beyond OTOBO's 13: ``SendNotification`` and ``StartSubProcess``.

Both only return effects: the e-mail is a job the worker sends after the step's transaction commits,
the child ticket is created by the use case in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from ticketflow.domain.effects import Effect, SendNotification, StartSubProcess
from ticketflow.domain.errors import ActionError
from ticketflow.domain.frozen import builder
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.transition_actions.call import (
    USER_ID,
    ActionCall,
    ActionModule,
    ActionRun,
    split_list,
    templated,
)

_ROLES = ("owner", "responsible", "customer")
_new_notification = builder(SendNotification)  # on the engine's hot path, see ticketflow.domain.frozen
_PREFIXES = ("role:", "queue:")


def _recipient(spec: str) -> str:
    lowered = spec.lower()
    if lowered in _ROLES:
        return lowered
    if lowered.startswith(_PREFIXES) and spec.partition(":")[2].strip():
        prefix, _, name = spec.partition(":")
        return f"{prefix.lower()}:{name.strip()}"
    if "@" in spec.strip("@"):
        return spec
    raise ActionError(
        f"recipient '{spec}' is not owner, responsible, customer, role:<name>, queue:<name> or an address"
    )


def _run_send_notification(call: ActionCall) -> tuple[Effect, ...]:
    recipients = _recipients(call)
    subject, body, template, content_type = _content(call)
    return (_new_notification(recipients, subject, body, template, content_type),)


def _recipients(call: ActionCall) -> tuple[str, ...]:
    recipients = tuple(_recipient(spec) for spec in split_list(call.required("Recipients")))
    if not recipients:
        raise ActionError("config key 'Recipients' is required")
    return recipients


def _content(call: ActionCall) -> tuple[str, str, str | None, str]:
    template = call.text("Template") or None
    subject = call.text("Subject") if template else call.required("Subject")
    body = call.text("Body") if template else call.required("Body")
    return subject or "", body or "", template, call.text("ContentType") or "text/plain"


def _prepare_send_notification(config: Mapping[str, Value]) -> ActionRun | None:
    """Subject, body, template and content type worked out once when none holds a placeholder; the
    recipients too unless they do (the common ``<OTOBO_TICKET_DynamicField_X>``). Saves about 1 µs
    per run."""
    if any(templated(value) for key, value in config.items() if key != "Recipients"):
        return None
    probe = ActionCall(config, _NO_TICKET, _NO_TIME)  # _content reads the config only
    try:
        subject, body, template, content_type = _content(probe)
        fixed = None if templated(config.get("Recipients", "")) else _recipients(probe)
    except ActionError:
        return None  # run reports it, after the recipients' errors as always
    if fixed is not None:
        effects: tuple[Effect, ...] = (SendNotification(fixed, subject, body, template, content_type),)
        return lambda _: effects
    # Rendered recipients take few values (a requester field, an owner …): the effects per value are
    # built once, which also lets the engine reuse the run's trace entry (about 2 µs per run).
    # Bounded; a value that does not fit is built every time. Errors are never remembered.
    known: dict[Value, tuple[Effect, ...]] = {}

    def run(call: ActionCall) -> tuple[Effect, ...]:
        rendered = call.config.get("Recipients")
        if rendered is not None:
            remembered = known.get(rendered)
            if remembered is not None:
                return remembered
        built: tuple[Effect, ...] = (
            _new_notification(_recipients(call), subject, body, template, content_type),
        )
        if rendered is not None and len(known) < _RECIPIENTS_KEPT:
            known[rendered] = built
        return built

    return run


_RECIPIENTS_KEPT: Final = 256


_NO_TICKET: Final = TicketSnapshot({})
_NO_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)


def _run_start_sub_process(call: ActionCall) -> tuple[Effect, ...]:
    """A child ticket in another process. ``activity_key`` of the effect is the activity the transition
    leaves; unlike a sub-process *activity*, the parent does not wait for the child."""
    process_key = call.required("Process")
    version_text = call.text("Version")
    version: int | None = None
    if version_text:
        if not version_text.strip().isdigit():
            raise ActionError(f"config key 'Version' must be a version number, not '{version_text}'")
        version = int(version_text)
    values: dict[str, Value] = {
        key: value for key, value in call.config.items() if key.startswith("DynamicField_")
    }
    return (
        StartSubProcess(
            activity_key=call.activity_key,
            process_key=process_key,
            version=version,
            values=values,
            title=call.text("Title") or "",
        ),
    )


SEND_NOTIFICATION = ActionModule(
    name="SendNotification",
    description="Sends an e-mail (as a job, after the change is saved) to owner, responsible, customer, "
    "role:<name>, queue:<name> or addresses.",
    parameters=(
        Parameter("Recipients", "Comma list of recipients.", required=True, example="owner, role:Approvers"),
        Parameter(
            "Subject", "Subject (required without Template).", example="Ticket <OTOBO_TICKET_TicketNumber>"
        ),
        Parameter("Body", "Body (required without Template).", example="Please approve."),
        Parameter("Template", "A notification template name instead of Subject/Body."),
        Parameter("ContentType", "text/plain (default) or text/html."),
        USER_ID,
    ),
    run=_run_send_notification,
    prepare=_prepare_send_notification,
)
START_SUB_PROCESS = ActionModule(
    name="StartSubProcess",
    description="Creates a child ticket in another process (the parent continues without waiting).",
    parameters=(
        Parameter("Process", "Key of the child's process.", required=True, example="purchase-order"),
        Parameter("Version", "Deployed version to pin (default: the latest)."),
        Parameter("Title", "Title of the child ticket."),
        Parameter("DynamicField_<Name>", "A dynamic field of the child ticket."),
        USER_ID,
    ),
    run=_run_start_sub_process,
)
