"""Test Mode in the browser (administrators): run a process version or the draft against a sample
ticket or a copy of a real one, step through its dialogs, answer its service tasks with canned
responses, see the path lit on the diagram and every would-be effect in words — and save the run as a
named scenario, or rerun all saved scenarios.

Nothing real changes: the run travels in the page (``run``, see ``testmode_view``) and is replayed
from the start on every request; only saving or deleting a scenario writes (the scenarios table)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ticketflow.domain.definitions import Interface, Process
from ticketflow.domain.dialogs import DialogInputError
from ticketflow.domain.errors import InvalidInputError, Problem
from ticketflow.domain.simulation import (
    Expectation,
    Scenario,
    ServiceResult,
    SimulationReport,
    Submission,
)
from ticketflow.domain.tickets import Value
from ticketflow.usecases import processes, scenarios
from ticketflow.usecases.access import check_ticket
from ticketflow.usecases.principals import require_admin
from ticketflow.usecases.scenarios import ScenarioResult
from ticketflow.usecases.test_inputs import TestInput, parse_test_input
from ticketflow.usecases.testmode import (
    ProcessSource,
    copy_ticket_values,
    load_source,
    run_saved_scenarios,
    run_test_mode,
)
from ticketflow.usecases.testmode_outbound import render_run_outbound
from ticketflow.usecases.tickets import find_ticket_id
from ticketflow.web.ui.core import AgentForm, AgentSession, SignedInForm, Ui
from ticketflow.web.ui.diagram import process_diagram
from ticketflow.web.ui.forms import Submitted, submitted_values
from ticketflow.web.ui.testmode_view import (
    RunView,
    parse_answer_lines,
    run_view,
    sample_ticket_dialog,
    sample_ticket_form,
    sample_ticket_values,
)

DRAFT = "draft"
# How far ahead the clock probe replays a run: far enough that a computed due date moves.
CLOCK_PROBE = timedelta(days=3, hours=5)


@dataclass
class PageState:
    """What one rendering of the page shows besides the process: the run (if any) and outcomes."""

    test_input: TestInput | None = None
    problems: list[str] = field(default_factory=list)
    notice: str = ""
    results: list[ScenarioResult] | None = None
    failed_dialog: tuple[str, Submitted, tuple[Problem, ...]] | None = None
    status: int = 200


def router(ui: Ui) -> APIRouter:
    routes = ui.router("/agent/admin/processes/{key}/test")

    @routes.get("", response_class=HTMLResponse)
    def page(request: Request, session: AgentSession, key: str, version: str = DRAFT) -> HTMLResponse:
        require_admin(session.principal)
        return _render(ui, request, key, version, PageState())

    @routes.post("/start", response_class=HTMLResponse)
    def start(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        return _start(ui, request, posted, key)

    @routes.post("/step", response_class=HTMLResponse)
    def step(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        return _step(ui, request, posted, key)

    @routes.post("/answer", response_class=HTMLResponse)
    def answer(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        return _answer(ui, request, posted, key)

    @routes.post("/save", response_class=HTMLResponse)
    def save(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        return _save(ui, request, posted, key)

    @routes.post("/run-all", response_class=HTMLResponse)
    def run_all(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        version = _version(posted)
        source = _source(key, version)
        results = run_saved_scenarios(ui.application.uow, ui.application.runtime, source, now=ui.now())
        return _render(ui, request, key, version, PageState(_optional_run(posted), results=results))

    @routes.post("/load", response_class=HTMLResponse)
    def load(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        return _load_scenario(ui, request, posted, key)

    @routes.post("/delete", response_class=HTMLResponse)
    def delete(request: Request, posted: AgentForm, key: str) -> HTMLResponse:
        require_admin(posted.principal)
        scenarios.delete_scenario(ui.application.uow, key, posted.text("name"))
        state = PageState(_optional_run(posted), notice=f"Scenario '{posted.text('name')}' deleted.")
        return _render(ui, request, key, _version(posted), state)

    @routes.get("/scenarios.json")
    def export(session: AgentSession, key: str) -> Response:
        require_admin(session.principal)
        document = scenarios.export_scenarios(ui.application.uow, key)
        disposition = f'attachment; filename="{key}-scenarios.json"'
        return JSONResponse(document, headers={"Content-Disposition": disposition})

    return routes


def _start(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    """A new run from a copy of a real ticket (by number) or from the sample-ticket form."""
    version = _version(posted)
    number = posted.text("ticket_number").strip()
    if number:
        ticket_id = find_ticket_id(ui.application.uow, number)
        # Administering processes does not open every queue: copying needs read access to the ticket.
        check_ticket(ui.application.uow, posted.principal, ticket_id)
        ticket = copy_ticket_values(ui.application.uow, ticket_id)
    else:
        process, _ = _load(ui, key, version)
        dialog = sample_ticket_dialog(process)
        ticket = sample_ticket_values(submitted_values(dialog, posted.form, ui.catalog()))
    return _render(ui, request, key, version, PageState(TestInput(ticket, Scenario())))


def _step(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    """Submit one dialog on the test ticket; bad input re-renders its form with the problems."""
    version, test_input = _posted_run(posted)
    process, _ = _load(ui, key, version)
    wanted = posted.text("dialog")
    dialog = next((d for a in process.activities for d in a.dialogs if d.key == wanted), None)
    if dialog is None:
        raise InvalidInputError(f"no dialog '{wanted}' in this process", field="dialog")
    values = submitted_values(dialog, posted.form, ui.catalog())
    interface = Interface.CUSTOMER if posted.text("as") == "customer" else Interface.AGENT
    stepped = _with_submission(test_input, Submission(dialog.key, values, interface))
    try:
        _run(ui, key, version, stepped)
    except DialogInputError as refused:
        state = PageState(test_input, failed_dialog=(dialog.key, values, refused.problems), status=422)
        return _render(ui, request, key, version, state)
    return _render(ui, request, key, version, PageState(stepped))


def _answer(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    """Answer the waiting service task (or sub-process) with a canned response and run on."""
    version, test_input = _posted_run(posted)
    try:
        values: dict[str, Value] = dict(parse_answer_lines(posted.text("values")))
    except ValueError as bad:
        state = PageState(test_input, problems=[f"Values: {bad}"], status=422)
        return _render(ui, request, key, version, state)
    answered = _with_answer(test_input, posted.text("activity"), values, posted)
    return _render(ui, request, key, version, PageState(answered))


def _save(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    """Save the run as a scenario expecting where it ends now and the values ticked."""
    version, test_input = _posted_run(posted)
    report = _run(ui, key, version, test_input)
    wanted = {name for name in posted.form.getlist("expect") if isinstance(name, str)}
    expected = Expectation(
        report.final_position.activity_key,
        {k: v for k, v in report.final_data.items() if k in wanted},
    )
    try:
        saved = scenarios.save_scenario(
            ui.application.uow,
            key,
            posted.text("name"),
            scenarios.scenario_document(test_input, expected),
            saved_by=posted.session.caller.login,
            now=ui.now(),
        )
    except InvalidInputError as refused:
        state = PageState(test_input, problems=[refused.message], status=422)
        return _render(ui, request, key, version, state)
    notice = f"Saved scenario '{saved.name}': it expects the run to end at '{expected.activity}'."
    return _render(ui, request, key, version, PageState(test_input, notice=notice))


def _load_scenario(ui: Ui, request: Request, posted: SignedInForm, key: str) -> HTMLResponse:
    name = posted.text("name")
    saved = scenarios.list_scenarios(ui.application.uow, key)
    found = next((s for s in saved if s.name == name), None)
    if found is None:
        raise InvalidInputError(f"there is no scenario '{name}'", field="name")
    notice = f"Scenario '{name}' loaded: it should end at '{found.expected.activity}'."
    return _render(ui, request, key, _version(posted), PageState(found.test_input, notice=notice))


def _version(posted: SignedInForm) -> str:
    return posted.text("version") or DRAFT


def _source(key: str, version: str) -> ProcessSource:
    if version == DRAFT:
        return ProcessSource(key=key, draft=True)
    if not version.isdigit():
        raise InvalidInputError("is 'draft' or a version number", field="version")
    return ProcessSource(key=key, version=int(version))


def _load(ui: Ui, key: str, version: str) -> tuple[Process, int]:
    return load_source(ui.application.uow, ui.application.runtime, _source(key, version))


def _run(
    ui: Ui, key: str, version: str, test_input: TestInput, at: datetime | None = None
) -> SimulationReport:
    source = _source(key, version)
    return run_test_mode(ui.application.uow, ui.application.runtime, source, test_input, now=at or ui.now())


def _posted_run(posted: SignedInForm) -> tuple[str, TestInput]:
    """The version and the run the page carried (InvalidInputError naming ``run`` if tampered)."""
    run = _optional_run(posted)
    if run is None:
        raise InvalidInputError("start a test first", field="run")
    return _version(posted), run


def _optional_run(posted: SignedInForm) -> TestInput | None:
    text = posted.text("run")
    if not text:
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInputError("is not the run this page sent", field="run") from None
    return parse_test_input(document)


def _with_submission(test_input: TestInput, submission: Submission) -> TestInput:
    scenario = test_input.scenario
    return TestInput(
        test_input.ticket,
        Scenario((*scenario.submissions, submission), scenario.service_results, scenario.sub_process_results),
    )


def _with_answer(
    test_input: TestInput, activity: str, values: dict[str, Value], posted: SignedInForm
) -> TestInput:
    """The run with a canned answer for ``activity``: a sub-process's values, or a service's
    values or failure (an error code and/or message)."""
    scenario = test_input.scenario
    if posted.text("kind") == "sub-process":
        children = {**scenario.sub_process_results, activity: values}
        return TestInput(
            test_input.ticket, Scenario(scenario.submissions, scenario.service_results, children)
        )
    error = posted.text("error_code").strip()
    message = posted.text("message").strip()
    result = (
        ServiceResult({}, error or None, message or "failed")
        if posted.text("outcome") == "failure"
        else ServiceResult(values)
    )
    services = {**scenario.service_results, activity: result}
    return TestInput(
        test_input.ticket, Scenario(scenario.submissions, services, scenario.sub_process_results)
    )


def _render(ui: Ui, request: Request, key: str, version: str, state: PageState) -> HTMLResponse:
    process, number = _load(ui, key, version)
    catalog = ui.catalog()
    view: RunView | None = None
    if state.test_input is not None:
        try:
            report = _run(ui, key, version, state.test_input)
            # The same run a while later: what differs depends on the clock, so no scenario may expect it.
            later = _run(ui, key, version, state.test_input, ui.now() + CLOCK_PROBE)
            outbound = render_run_outbound(ui.application.uow, ui.application.runtime, report, ui.now())
            view = run_view(
                process,
                catalog,
                state.test_input,
                report,
                outbound=outbound,
                later=later,
                failed_dialog=state.failed_dialog,
            )
        except InvalidInputError as refused:
            state.problems.append(refused.message)
            state.status = 422
    return ui.render(
        request,
        "testmode/page.html",
        status=state.status,
        title=f"Test Mode · {process.name}",
        key=key,
        process=process,
        version=version,
        version_number=number,
        versions=processes.list_versions(ui.application.uow, key),
        start_form=sample_ticket_form(process, catalog),
        run=view,
        diagram=process_diagram(process, None) if process.activities else None,
        saved=scenarios.list_scenarios(ui.application.uow, key),
        results=state.results,
        problems=state.problems,
        notice=state.notice,
    )
