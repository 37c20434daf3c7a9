"""Who is acting: an agent or a customer user, by login."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.domain.definitions import Interface
from ticketflow.domain.errors import InvalidInputError, PermissionDeniedError
from ticketflow.domain.tickets import Ticket


@dataclass(frozen=True, slots=True)
class Caller:
    login: str
    interface: Interface = Interface.AGENT

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
        """Customers see only their own tickets; agent permissions are enforced by the web layer."""
        if self.interface is Interface.CUSTOMER and ticket.customer_user_id != self.login:
            raise PermissionDeniedError(f"ticket {ticket.number} is not a ticket of customer '{self.login}'")

    def __str__(self) -> str:
        return f"{self.interface.value}:{self.login}"


SYSTEM = Caller("system")
