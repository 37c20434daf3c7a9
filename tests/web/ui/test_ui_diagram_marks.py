"""The server-drawn diagram carries the marks, badges and links a page asks for."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader

from ticketflow.demo.loader import demo_document
from ticketflow.domain.formats.native_json import process_from_dict
from ticketflow.web.ui.diagram import Badge, process_diagram


def _purchase_diagram_html() -> tuple[str, str, str]:
    process = process_from_dict(demo_document("purchase-request"))
    first = process.activities[0].key
    transition = process.transitions[0].key
    diagram = process_diagram(
        process,
        None,
        marks={first: ["visited"], transition: ["visited"]},
        badges={first: [Badge("12", href="/agent/list?a=1", title="12 tickets here")]},
        links={first: "/somewhere"},
    )
    template = Environment(loader=PackageLoader("ticketflow.web"), autoescape=True).from_string(
        '{% from "macros.html" import diagram_svg %}{{ diagram_svg(d, "Purchase") }}'
    )
    return template.render(d=diagram), first, transition


def test_marks_become_classes_of_the_activity_and_the_transition() -> None:
    html, first, transition = _purchase_diagram_html()
    assert f'class="activity user-task visited" data-key="{first}"' in html
    assert f'visited" data-key="{transition}"' in html


def test_badges_and_links_are_drawn_on_their_activity() -> None:
    html, _, _ = _purchase_diagram_html()
    assert '<a href="/somewhere">' in html
    assert '<a href="/agent/list?a=1">' in html
    assert ">12</text>" in html
    assert "<title>12 tickets here</title>" in html
