"""The monitoring page's live part and the version behind a count: htmx's poll of the diagram and
table gets only that part (counted anew), a page without JavaScript stays whole, and with one version
shown a count lists exactly that version's tickets."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from monitoring_api_support import deploy_second_version
from pages_support import application_of, pages_and_api, start_purchase, visit

PAGE = "/agent/monitoring/purchase-request"
POLL = {"HX-Request": "true", "HX-Target": "monitoring-live"}


@pytest.fixture
def app(demo_url: str) -> Iterator[FastAPI]:
    built = pages_and_api(demo_url)
    yield built
    application_of(built).close()


def _inside(html: str, activity: str) -> str:
    """The "inside now" cell of ``activity``'s table row."""
    row = html.split(f'<tr data-activity="{activity}">', 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td>(.*?)</td>", row)[1]


def test_the_page_polls_its_live_part_every_ten_seconds(app: FastAPI) -> None:
    page = visit(app, "manager").client.get(PAGE, params={"version": 1})
    assert page.status_code == 200
    live = re.search(r'<div id="monitoring-live" ([^>]*)>', page.text)
    assert live, "no live part"
    assert 'hx-get="/agent/monitoring/purchase-request?version=1"' in live.group(1)
    assert 'hx-trigger="every 10s"' in live.group(1)
    assert 'hx-swap="outerHTML"' in live.group(1)
    # The chart is not part of what is polled.
    assert page.text.index('id="monitoring-live"') < page.text.index('id="chart-heading"')


def test_a_poll_gets_only_the_live_part_counted_anew(app: FastAPI) -> None:
    application = application_of(app)
    manager = visit(app, "manager").client
    start_purchase(application)
    before = manager.get(PAGE, headers=POLL)
    start_purchase(application)
    after = manager.get(PAGE, headers=POLL)

    assert before.status_code == after.status_code == 200
    assert after.text.lstrip().startswith('<div id="monitoring-live"')
    assert "<html" not in after.text
    assert "chart-heading" not in after.text
    assert 'hx-get="/agent/monitoring/purchase-request?version="' in after.text  # all versions
    assert ">1</a>" in _inside(before.text, "approval")
    assert ">2</a>" in _inside(after.text, "approval")


def test_without_htmx_the_whole_page_is_answered(app: FastAPI) -> None:
    page = visit(app, "manager").client.get(PAGE, headers={"HX-Target": "something-else"})
    assert "<html" in page.text
    assert 'id="chart-heading"' in page.text
    restored = visit(app, "manager").client.get(PAGE, headers={**POLL, "HX-History-Restore-Request": "true"})
    assert "<html" in restored.text


def test_a_count_of_one_version_lists_exactly_that_version_s_tickets(app: FastAPI) -> None:
    application = application_of(app)
    older = start_purchase(application)
    second = deploy_second_version(application)
    newer = {start_purchase(application), start_purchase(application)}
    manager = visit(app, "manager").client

    page = manager.get(PAGE, params={"version": second})
    href = f"/agent/monitoring/purchase-request/tickets?activity=approval&amp;version={second}"
    assert f'<a href="{href}">2</a>' in page.text

    listed = manager.get(href.replace("&amp;", "&"))
    assert listed.status_code == 200
    assert set(map(int, re.findall(r'<a href="/agent/tickets/(\d+)">', listed.text))) == newer
    assert f"version {second}, the longest unchanged first" in listed.text
    first = manager.get(f"{PAGE}/tickets", params={"activity": "approval", "version": 1})
    assert set(map(int, re.findall(r'<a href="/agent/tickets/(\d+)">', first.text))) == {older}
    every = manager.get(f"{PAGE}/tickets", params={"activity": "approval"})
    assert len(set(re.findall(r'<a href="/agent/tickets/(\d+)">', every.text))) == 3
    assert "all versions, the longest unchanged first" in every.text
    # All versions together: the count's link names no version.
    together = manager.get(PAGE)
    assert '<a href="/agent/monitoring/purchase-request/tickets?activity=approval">3</a>' in together.text


def test_a_version_behind_a_count_that_does_not_exist_is_refused(app: FastAPI) -> None:
    manager = visit(app, "manager").client
    missing = manager.get(f"{PAGE}/tickets", params={"activity": "approval", "version": 5})
    assert missing.status_code == 404
    assert "has no version 5" in missing.text
    wrong = manager.get(f"{PAGE}/tickets", params={"version": "two"})
    assert wrong.status_code == 400
    assert "version: &#39;two&#39; is not a version number" in wrong.text
