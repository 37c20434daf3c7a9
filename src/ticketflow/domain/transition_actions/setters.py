"""OTOBO's ``Ticket*Set`` modules (plus Znuny's ``TicketPrioritySet``): set one attribute.

Every setter treats "the configured value already equals the ticket's" as success without an effect,
so no change and no event happen (§4). Id variants (``QueueID`` …) are refused with a clear message:
ticketflow's ticket data has names only. ``LockID`` is the exception, its three ids are fixed in OTOBO.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

from ticketflow.domain.effects import Effect, SetValue
from ticketflow.domain.errors import ActionError
from ticketflow.domain.parameters import Parameter
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.transition_actions.call import (
    USER_ID,
    ActionCall,
    ActionModule,
    ActionRun,
    is_pending,
    new_set_value,
    pending_time,
    templated,
)

_LOCKS = ("unlock", "lock", "tmp_lock")
_LOCK_IDS = {"1": "unlock", "2": "lock", "3": "tmp_lock"}  # fixed rows of OTOBO's ticket_lock_type


def _changed(call: ActionCall, key: str, value: str) -> tuple[Effect, ...]:
    if call.snapshot.attributes.get(key) == value:
        return ()
    return (new_set_value(key, value, None),)


def _prepare_setter(key: str, config: Mapping[str, Value]) -> ActionRun | None:
    """For a fixed non-empty text under ``key``: compare, and hand out one prebuilt effect. Saves the
    config reads and the effect build on every move (about 0.5 µs per action)."""
    value = config.get(key)
    if type(value) is not str or not value or templated(value):
        return None  # the module's run renders the value or reports what is wrong with the config
    effects: tuple[Effect, ...] = (SetValue(key, value),)  # frozen: one instance serves every run

    def run(call: ActionCall) -> tuple[Effect, ...]:
        return () if call.snapshot.attributes.get(key) == value else effects

    return run


def _simple_setter(key: str, what: str, example: str, *, with_id: bool = True) -> ActionModule:
    def run(call: ActionCall) -> tuple[Effect, ...]:
        value = call.config.get(key)
        if type(value) is not str or not value:  # the plain case first: this runs on every move
            value = call.required_name(key) if with_id else call.required(key)
        return _changed(call, key, value)

    def prepare(config: Mapping[str, Value]) -> ActionRun | None:
        return _prepare_setter(key, config)

    parameters = [Parameter(key, f"The {what}.", required=True, example=example)]
    if with_id:
        parameters.append(Parameter(f"{key}ID", f"OTOBO's id variant: refused, use {key}."))
    return ActionModule(
        name=f"Ticket{key}Set",
        description=f"Sets the ticket's {what} unless it already has it.",
        parameters=(*parameters, USER_ID),
        run=run,
        prepare=prepare,
    )


def _run_lock(call: ActionCall) -> tuple[Effect, ...]:
    return _changed(call, "Lock", _lock(call))


def _lock(call: ActionCall) -> str:
    lock = call.text("Lock")
    if not lock:
        lock_id = (call.text("LockID") or "").strip()
        if not lock_id:
            raise ActionError("config key 'Lock' is required")
        if lock_id not in _LOCK_IDS:
            raise ActionError(f"LockID '{lock_id}' does not exist (1 unlock, 2 lock, 3 tmp_lock)")
        lock = _LOCK_IDS[lock_id]
    if lock not in _LOCKS:
        raise ActionError(f"Lock must be one of {', '.join(_LOCKS)}, not '{lock}'")
    return lock


def _prepare_lock(config: Mapping[str, Value]) -> ActionRun | None:
    # A lock named or given by id, checked once: then a plain setter of the lock's name.
    probe = ActionCall(config, _NO_TICKET, _NO_TIME)  # _lock reads the config only
    if any(templated(value) for value in config.values()):
        return None
    try:
        lock = _lock(probe)
    except ActionError:
        return None  # run reports it
    return _prepare_setter("Lock", {"Lock": lock})


def _run_sla(call: ActionCall) -> tuple[Effect, ...]:
    sla = call.required_name("SLA")
    if not call.snapshot.attributes.get("Service"):
        raise ActionError(f"the ticket has no service, so SLA '{sla}' cannot be set (set the service first)")
    return _changed(call, "SLA", sla)


def _prepare_sla(config: Mapping[str, Value]) -> ActionRun | None:
    """A fixed SLA name: compared with a prebuilt effect while the ticket has a service; without one,
    ``run`` reports it."""
    compare = _prepare_setter("SLA", config)
    if compare is None:
        return None

    def run(call: ActionCall) -> tuple[Effect, ...]:
        if not call.snapshot.attributes.get("Service"):
            return _run_sla(call)
        return compare(call)

    return run


def _run_state(call: ActionCall) -> tuple[Effect, ...]:
    """Sets the state if different; for a pending state also the pending time when one is configured,
    even if the state did not change. ``PendingTimeDiff`` is in **seconds** here (Q9)."""
    state = call.required_name("State")
    effects = _changed(call, "State", state)
    if is_pending(call, state):
        until = pending_time(call, timedelta(seconds=1))
        if until is not None:
            effects = (*effects, SetValue("PendingTime", until))
    return effects


def _prepare_state(config: Mapping[str, Value]) -> ActionRun | None:
    # Without a pending time in the config a pending state adds nothing: then it is a plain setter.
    if config.get("PendingTime") or config.get("PendingTimeDiff"):
        return None
    return _prepare_setter("State", config)


def _run_customer(call: ActionCall) -> tuple[Effect, ...]:
    """``CustomerID`` (alias ``No``) and/or ``CustomerUserID`` (alias ``User``), each only if different."""
    customer_id = call.text("CustomerID") or call.text("No")
    customer_user = call.text("CustomerUserID") or call.text("User")
    if not customer_id and not customer_user:
        raise ActionError("config key 'CustomerID' or 'CustomerUserID' is required")
    effects: tuple[Effect, ...] = ()
    if customer_id:
        effects += _changed(call, "CustomerID", customer_id)
    if customer_user:
        effects += _changed(call, "CustomerUserID", customer_user)
    return effects


def _prepare_customer(config: Mapping[str, Value]) -> ActionRun | None:
    """Fixed texts: the effects of each case (neither, one or both different) built once."""
    if any(templated(value) for value in config.values()):
        return None
    probe = ActionCall(config, _NO_TICKET, _NO_TIME)  # reads the config only
    customer_id = probe.text("CustomerID") or probe.text("No")
    customer_user = probe.text("CustomerUserID") or probe.text("User")
    if not customer_id and not customer_user:
        return None  # run reports it
    id_effects: tuple[Effect, ...] = (SetValue("CustomerID", customer_id),) if customer_id else ()
    user_effects: tuple[Effect, ...] = (SetValue("CustomerUserID", customer_user),) if customer_user else ()
    both = id_effects + user_effects

    def run(call: ActionCall) -> tuple[Effect, ...]:
        attributes = call.snapshot.attributes
        new_id = bool(customer_id) and attributes.get("CustomerID") != customer_id
        new_user = bool(customer_user) and attributes.get("CustomerUserID") != customer_user
        if new_id:
            return both if new_user else id_effects
        return user_effects if new_user else ()

    return run


_NO_TICKET: Final = TicketSnapshot({})
_NO_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)

TICKET_LOCK_SET = ActionModule(
    name="TicketLockSet",
    description="Locks or unlocks the ticket unless it already is.",
    parameters=(
        Parameter("Lock", "lock, unlock or tmp_lock.", required=True, example="lock"),
        Parameter("LockID", "OTOBO's id variant: 1 unlock, 2 lock, 3 tmp_lock."),
        USER_ID,
    ),
    run=_run_lock,
    prepare=_prepare_lock,
)
TICKET_SLA_SET = ActionModule(
    name="TicketSLASet",
    description="Sets the ticket's SLA unless it already has it. The ticket must have a service.",
    parameters=(
        Parameter("SLA", "The SLA name.", required=True, example="Gold"),
        Parameter("SLAID", "OTOBO's id variant: refused, use SLA."),
        USER_ID,
    ),
    run=_run_sla,
    prepare=_prepare_sla,
)
TICKET_STATE_SET = ActionModule(
    name="TicketStateSet",
    description=(
        "Sets the ticket's state unless it already has it. For a pending state also sets the pending "
        "time: PendingTime (absolute) plus PendingTimeDiff in seconds, or now plus PendingTimeDiff."
    ),
    parameters=(
        Parameter("State", "The state name.", required=True, example="pending reminder"),
        Parameter("StateID", "OTOBO's id variant: refused, use State."),
        Parameter(
            "PendingTime", "Absolute pending time (pending states only).", example="2025-01-31 12:00:00"
        ),
        Parameter(
            "PendingTimeDiff", "Seconds added to PendingTime or to now (pending states).", example="86400"
        ),
        USER_ID,
    ),
    run=_run_state,
    prepare=_prepare_state,
)
TICKET_CUSTOMER_SET = ActionModule(
    name="TicketCustomerSet",
    description="Sets the ticket's customer id and/or customer user, each unless already set.",
    parameters=(
        Parameter("CustomerID", "The customer id (alias No).", example="ACME"),
        Parameter("CustomerUserID", "The customer user login (alias User).", example="jdoe"),
        USER_ID,
    ),
    run=_run_customer,
    prepare=_prepare_customer,
)

SETTERS = (
    TICKET_CUSTOMER_SET,
    TICKET_LOCK_SET,
    _simple_setter("Owner", "owner (agent login)", "jdoe"),
    _simple_setter("Queue", "queue (full name with :: path)", "Sales::Orders"),
    _simple_setter("Responsible", "responsible agent (login)", "jdoe"),
    TICKET_SLA_SET,
    _simple_setter("Service", "service (full name with :: path)", "IT::Mail"),
    TICKET_STATE_SET,
    _simple_setter("Title", "title", "Order <OTOBO_TICKET_TicketNumber>", with_id=False),
    _simple_setter("Type", "ticket type", "Incident"),
    _simple_setter("Priority", "priority", "4 high"),
)
