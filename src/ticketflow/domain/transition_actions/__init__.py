"""Transition actions: pure functions from a rendered config and a ticket snapshot to effects (§4).

``ACTIONS`` holds OTOBO's 13 modules, Znuny's ``TicketPrioritySet`` and ticketflow's
``SendNotification`` and ``StartSubProcess``, keyed by short module name. A module raises
``ActionError`` (naming the config key) when it cannot do its work; the engine then undoes the move.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ticketflow.domain.transition_actions.call import ActionCall, ActionModule, ActionRun
from ticketflow.domain.transition_actions.extensions import SEND_NOTIFICATION, START_SUB_PROCESS
from ticketflow.domain.transition_actions.setters import SETTERS
from ticketflow.domain.transition_actions.tickets import (
    DYNAMIC_FIELD_SET,
    TICKET_ARTICLE_CREATE,
    TICKET_CREATE,
)

__all__ = ["ACTIONS", "OTOBO_MODULE_PREFIX", "ActionCall", "ActionModule", "ActionRun", "find_action"]

OTOBO_MODULE_PREFIX = "Kernel::System::ProcessManagement::TransitionAction::"

ACTIONS: Mapping[str, ActionModule] = MappingProxyType(
    {
        module.name: module
        for module in (
            DYNAMIC_FIELD_SET,
            TICKET_ARTICLE_CREATE,
            TICKET_CREATE,
            *SETTERS,
            SEND_NOTIFICATION,
            START_SUB_PROCESS,
        )
    }
)


def find_action(module: str) -> ActionModule | None:
    """The module by short name (``TicketQueueSet``) or full OTOBO/Znuny class name
    (``Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet``), or None."""
    return ACTIONS.get(module.rpartition("::")[2].strip())
