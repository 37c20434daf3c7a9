"""Who is acting: an agent or a customer user, by login."""

from __future__ import annotations

from dataclasses import dataclass, field

from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import InvalidInputError, PermissionDeniedError
from ticketflow.domain.tickets import Ticket


@dataclass(frozen=True, slots=True)
class Caller:
    login: str
    interface: Interface = Interface.AGENT
    # A customer user's companies (OTOBO's CustomerIDCheck: their tickets are visible too); filled
    # by usecases.principals.load_principal, through which the web and the CLI's --as load a caller.
    customer_ids: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def parse(cls, text: str) -> Caller:
        """``agent:LOGIN`` or ``customer:LOGIN`` (a bare login is an agent)."""
        kind, _, login = text.partition(":")
        if not login:
            return cls(kind, Interface.AGENT)
        if kind not in ("agent", "customer"):
            raise InvalidInputError(
                f"'{kind}' is not agent or customer (use agent:LOGIN or customer:LOGIN)", "as"
            )
        return cls(login, Interface(kind))

    def check_can_see(self, ticket: Ticket) -> None:
        """Customers see their own tickets and their companies' ones: the use cases' own last check.
        The whole permission model (agents' groups and keys, dialogs, administrators) is
        usecases.principals, access and dialog_access, which every entry point acting for a named user
        goes through."""
        if (
            self.interface is Interface.CUSTOMER
            and ticket.customer_user_id != self.login
            and (ticket.customer_id is None or ticket.customer_id not in self.customer_ids)
        ):
            raise PermissionDeniedError(f"ticket {ticket.number} is not a ticket of customer '{self.login}'")

    def __str__(self) -> str:
        return f"{self.interface.value}:{self.login}"


SYSTEM = Caller("system")
