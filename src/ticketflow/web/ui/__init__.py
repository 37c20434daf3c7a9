"""The pages people use: the agent interface and the customer portal, server-rendered with Jinja2.

``mount_ui(app, application)`` adds every page router and the stylesheet to ``app``; sign-in goes
through ``app.state.auth`` (the sign-in use cases), which ``create_app`` sets.
One module per area: ``sign_in``, ``agent_tickets``, ``agent_dialogs``, ``agent_admin``,
``admin_processes``, ``testmode_pages``, ``modeler``, ``customer``, ``attachment_pages``,
``monitoring_pages``, ``incident_pages``.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ticketflow.bootstrap import Application
from ticketflow.web.routing import add_routes
from ticketflow.web.ui import (
    admin_processes,
    agent_admin,
    agent_dialogs,
    agent_tickets,
    attachment_pages,
    customer,
    incident_pages,
    modeler,
    monitoring_pages,
    sign_in,
    testmode_pages,
)
from ticketflow.web.ui.core import Ui


def mount_ui(app: FastAPI, application: Application) -> Ui:
    ui = Ui.build(application)
    app.state.ui = ui
    # admin_processes and modeler before agent_admin: their /agent/admin/processes and
    # /agent/admin/modeler must win over /agent/admin/{slug}.
    modules = (
        sign_in,
        agent_tickets,
        agent_dialogs,
        admin_processes,
        testmode_pages,
        modeler,
        agent_admin,
        customer,
        attachment_pages,
        monitoring_pages,
        incident_pages,
    )
    for module in modules:
        add_routes(app, module.router(ui))
    static = resources.files("ticketflow.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return ui
