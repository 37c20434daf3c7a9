"""OTOBO's seed rows (reference §1.3), inserted where absent so running it again changes nothing."""

from __future__ import annotations

from ticketflow.usecases.catalog_records import (
    Agent,
    CatalogRecord,
    Group,
    Priority,
    Queue,
    Role,
    State,
    TicketType,
)
from ticketflow.usecases.ports import UnitOfWork

ROOT_LOGIN = "root@localhost"

_GROUPS = ("users", "admin", "stats")

# OTOBO makes root a direct rw member of every group; we grant groups through roles only, so the
# seed adds one role that carries exactly that.
ADMIN_ROLE = Role("Admin", permissions={group: frozenset({"rw"}) for group in _GROUPS})

DEFAULTS: tuple[CatalogRecord, ...] = (
    *(Group(name) for name in _GROUPS),
    State("new", "new"),
    State("closed successful", "closed"),
    State("closed unsuccessful", "closed"),
    State("open", "open"),
    State("removed", "removed"),
    State("pending reminder", "pending reminder"),
    State("pending auto close+", "pending auto"),
    State("pending auto close-", "pending auto"),
    State("merged", "merged"),
    Priority("1 very low"),
    Priority("2 low"),
    Priority("3 normal"),
    Priority("4 high"),
    Priority("5 very high"),
    TicketType("Unclassified"),
    *(Queue(name, group="users") for name in ("Postmaster", "Raw", "Junk", "Misc")),
    ADMIN_ROLE,
    Agent(ROOT_LOGIN, first_name="Admin", last_name="OTOBO", roles=(ADMIN_ROLE.name,)),
)


def seed_defaults(uow: UnitOfWork) -> int:
    """Add every default record that does not exist yet (by key); return how many were added.

    Existing records are left as they are, even when an admin changed them. The caller commits."""
    added = 0
    for record in DEFAULTS:
        if uow.catalog.find(type(record), getattr(record, record.key_field)) is None:
            uow.catalog.add(record)
            added += 1
    return added
