"""Real OTOBO clients from PyPI (``otobo`` 5.0.0, ``pyotrs`` 1.5.3) against a live server.

The clients are not ticketflow dependencies: the test skips with a reason when they are missing
(``.venv/bin/pip install otobo pyotrs``)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from api_support import PASSWORD, build_test_app

pytestmark = pytest.mark.slow


@pytest.fixture
def server(sqlite_url: str) -> Iterator[str]:
    """The APIs served by uvicorn in a thread on a free 127.0.0.1 port; yields the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(build_test_app(sqlite_url), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def test_the_otobo_client_creates_gets_updates_and_searches(server: str) -> None:
    otobo = pytest.importorskip("otobo", reason="pip install otobo to run the OTOBO client test")
    from otrs_gi_core.domain_models.ticket_operation import TicketOperation

    config = otobo.ClientConfig(
        base_url=f"{server}/otobo/nph-genericinterface.pl",
        webservice_name="OpenTicketAI",
        operation_url_map={
            TicketOperation.CREATE: "ticket-create",
            TicketOperation.GET: "ticket-get",
            TicketOperation.SEARCH: "ticket-search",
            TicketOperation.UPDATE: "ticket-update",
        },
    )

    async def scenario() -> None:
        async with otobo.OTOBOClient(config) as client:
            client.login(otobo.BasicAuth(user_login="writer", password=PASSWORD))
            created = await client.create_ticket(
                otobo.TicketCreate(
                    title="Client ticket",
                    queue=otobo.IdName(name="Raw"),
                    state=otobo.IdName(name="new"),
                    priority=otobo.IdName(name="3 normal"),
                    customer_user="cus",
                    article=otobo.Article(subject="Hello", body="From the otobo client"),
                )
            )
            assert created.id > 0
            got = await client.get_ticket(created.id)
            assert got.title == "Client ticket"
            assert got.queue is not None
            assert got.queue.name == "Raw"
            assert got.articles[0].body == "From the otobo client"
            updated = await client.update_ticket(
                otobo.TicketUpdate(id=created.id, title="Renamed", priority=otobo.IdName(id=5))
            )
            assert updated.title == "Renamed"
            found = await client.search_tickets(
                otobo.TicketSearch(titles=["Renamed"], queues=[otobo.IdName(name="Raw")])
            )
            assert found == [created.id]
            client.login(otobo.BasicAuth(user_login="reader", password=PASSWORD))
            with pytest.raises(otobo.OTOBOError):
                await client.create_ticket(
                    otobo.TicketCreate(title="refused", queue=otobo.IdName(name="Raw"))
                )

    asyncio.run(scenario())


def test_pyotrs_uses_sessions_and_the_sample_routes(server: str) -> None:
    pyotrs = pytest.importorskip("pyotrs", reason="pip install pyotrs to run the PyOTRS client test")
    client = pyotrs.Client(
        server,
        "writer",
        PASSWORD,
        webservice_path="/otobo/nph-genericinterface.pl/Webservice/",
    )
    assert client.session_create()
    ticket = pyotrs.Ticket.create_basic(
        Title="PyOTRS ticket", Queue="Raw", State="new", Priority="3 normal", CustomerUser="cus"
    )
    article = pyotrs.Article({"Subject": "Hi", "Body": "From PyOTRS"})
    created = client.ticket_create(ticket, article)
    ticket_id = int(created["TicketID"])
    got = client.ticket_get_by_id(ticket_id, articles=True)
    assert got.field_get("Title") == "PyOTRS ticket"
    assert got.articles[0].field_get("Body") == "From PyOTRS"
    assert client.ticket_update(ticket_id, Title="PyOTRS renamed")
    assert client.ticket_search(Title="PyOTRS renamed") == [str(ticket_id)]
    assert client.ticket_search(Title="nothing like it") == []
