"""Articles with attachments on the pages: upload through the zoom's form, shown in the timeline,
downloaded; the size limit and the permission rules refuse and change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_ui_purchase_pages import _csrf, _start_purchase

SignIn = Callable[..., TestClient]


def post_article(
    client: TestClient, path: str, *files: tuple[str, bytes], token: str | None = None, **fields: str
) -> object:
    data = {"subject": "Quote", "body": "see the file", **fields}
    if token is not None:
        data["csrf_token"] = token
    upload = [("attachment", (name, content, "application/pdf")) for name, content in files]
    return client.post(f"{path}/articles", data=data, files=upload or None)


def links(html: str, base: str) -> dict[str, str]:
    found = re.findall(rf'<a href="({re.escape(base)}/attachments/\d+)" download>([^<]+)</a>', html)
    return {name: href for href, name in found}


def test_files_uploaded_by_customer_and_agent_show_in_the_timeline_and_download(sign_in: SignIn) -> None:
    alice, manager = sign_in("alice", "customer"), sign_in("manager")
    ticket_id = _start_purchase(alice)
    mine, agents = f"/customer/tickets/{ticket_id}", f"/agent/tickets/{ticket_id}"

    sent = post_article(alice, mine, ("quote.pdf", b"%PDF-1"), token=_csrf(alice.get(mine).text))
    noted = post_article(manager, agents, ("internal.pdf", b"%PDF-2"), token=_csrf(manager.get(agents).text))

    assert sent.status_code == 303, sent.text  # type: ignore[attr-defined]
    assert noted.status_code == 303, noted.text  # type: ignore[attr-defined]
    customer_links = links(alice.get(mine).text, mine)
    agent_links = links(manager.get(agents).text, agents)
    assert list(customer_links) == ["quote.pdf"]  # the internal note is not the customer's to read
    assert sorted(agent_links) == ["internal.pdf", "quote.pdf"]
    downloaded = alice.get(customer_links["quote.pdf"])
    assert downloaded.content == b"%PDF-1"
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert manager.get(agent_links["internal.pdf"]).content == b"%PDF-2"
    internal_id = agent_links["internal.pdf"].rsplit("/", 1)[1]
    assert alice.get(f"{mine}/attachments/{internal_id}").status_code == 404


def test_a_file_over_the_limit_is_refused_naming_the_field_and_nothing_changes(
    sign_in: SignIn, app: FastAPI
) -> None:
    app.state.application.settings.attachment_max_bytes = 5
    alice = sign_in("alice", "customer")
    ticket_id = _start_purchase(alice)
    mine = f"/customer/tickets/{ticket_id}"
    before = alice.get(mine).text.count('class="article ')

    refused = post_article(alice, mine, ("big.pdf", b"123456"), token=_csrf(alice.get(mine).text))

    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "attachment[0]" in refused.text  # type: ignore[attr-defined]
    assert "larger than the limit of 5 bytes" in refused.text  # type: ignore[attr-defined]
    assert alice.get(mine).text.count('class="article ') == before


def test_forbidden_uploads_and_downloads_are_refused_and_change_nothing(sign_in: SignIn) -> None:
    # lena is a customer of another company; mailroom has no permission on the ticket's queue
    alice, lena, mailroom = sign_in("alice", "customer"), sign_in("lena", "customer"), sign_in("mailroom")
    ticket_id = _start_purchase(alice)
    mine = f"/customer/tickets/{ticket_id}"
    post_article(alice, mine, ("quote.pdf", b"%PDF-1"), token=_csrf(alice.get(mine).text))
    file_link = next(iter(links(alice.get(mine).text, mine).values()))
    file_id = file_link.rsplit("/", 1)[1]
    before = alice.get(mine).text

    other_customer = post_article(lena, mine, ("x.pdf", b"x"), token=_csrf(lena.get("/customer/").text))
    other_agent = post_article(
        mailroom, f"/agent/tickets/{ticket_id}", ("x.pdf", b"x"), token=_csrf(mailroom.get("/agent/").text)
    )
    without_csrf = post_article(alice, mine, ("x.pdf", b"x"))

    assert other_customer.status_code == 404  # type: ignore[attr-defined]
    assert other_agent.status_code == 404  # type: ignore[attr-defined]
    assert without_csrf.status_code == 403  # type: ignore[attr-defined]
    assert lena.get(file_link).status_code == 404
    assert mailroom.get(f"/agent/tickets/{ticket_id}/attachments/{file_id}").status_code == 404
    assert alice.get(mine).text == before
