"""The demo catalog: the people, queues and fields of the fictional company "Example Corp".

``DEMO_RECORDS`` lists every record in an order the store accepts — groups before the roles and queues
that refer to them, roles before the agents that hold them. The store seeds OTOBO's own rows (queues
Postmaster/Raw/Junk/Misc, the nine states, five priorities, group ``users`` …); nothing here repeats
them. The three demo processes in ``processes/`` refer only to names defined here or in that seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ticketflow.domain.catalog import DynamicFieldType
from ticketflow.usecases.catalog_records import (
    Agent,
    CatalogRecord,
    CustomerCompany,
    CustomerUser,
    DynamicField,
    Group,
    NotificationTemplate,
    Queue,
    Role,
    TicketType,
    WebService,
)

EXAMPLE_CORP: Final = "example-corp"
_MAIL_DOMAIN: Final = "example.com"

_RW: Final = frozenset({"rw"})
_READ_AND_NOTE: Final = frozenset({"ro", "note"})


def _group(name: str, comment: str) -> Group:
    return Group(name=name, comment=comment)


GROUPS: Final = (
    _group("purchasing", "Purchase requests and orders"),
    _group("management", "Approvals by line managers"),
    _group("postoffice", "Incoming goods and mail"),
    _group("it", "IT operations and equipment"),
    _group("hr", "Human resources"),
    _group("change", "Change management and the change advisory board"),
)

ROLES: Final = (
    Role(
        "Purchasing Approvers",
        {"management": _RW, "purchasing": _READ_AND_NOTE},
        comment="Line managers who approve purchase requests",
    ),
    Role("Buyers", {"purchasing": _RW, "postoffice": _READ_AND_NOTE}, comment="Place orders with suppliers"),
    Role("Mail Room", {"postoffice": _RW}, comment="Receive deliveries and confirm them"),
    Role(
        "IT Operations", {"it": _RW, "change": _RW}, comment="Run systems, prepare equipment, deploy changes"
    ),
    Role("HR", {"hr": _RW}, comment="Hire and onboard employees"),
    Role(
        "Change Advisory Board",
        {"change": _RW, "it": _READ_AND_NOTE},
        comment="Assess and approve changes to production systems",
    ),
)

QUEUES: Final = (
    Queue("Purchasing", group="purchasing", comment="New purchase requests and orders"),
    Queue("Management", group="management", comment="Requests waiting for a manager's decision"),
    Queue("Post office", group="postoffice", comment="Orders waiting for delivery"),
    Queue("IT", group="it", comment="IT equipment and accounts"),
    Queue("HR", group="hr", comment="Onboarding of new employees"),
    Queue("Change Management", group="change", comment="Changes to production systems"),
)

# OTOBO seeds only "Unclassified"; the demo processes type their tickets.
TICKET_TYPES: Final = (TicketType("Service Request"), TicketType("Change"), TicketType("Incident"))


def _agent(login: str, first: str, last: str, *roles: str) -> Agent:
    return Agent(login=login, first_name=first, last_name=last, email=f"{login}@{_MAIL_DOMAIN}", roles=roles)


AGENTS: Final = (
    _agent("manager", "Maria", "Manager", "Purchasing Approvers", "Change Advisory Board"),
    _agent("buyer", "Bob", "Buyer", "Buyers"),
    _agent("mailroom", "Mike", "Mailroom", "Mail Room"),
    _agent("itops", "Irene", "Itops", "IT Operations", "Change Advisory Board"),
    _agent("hr", "Hannah", "Hiring", "HR"),
)

COMPANIES: Final = (
    CustomerCompany(EXAMPLE_CORP, "Example Corp"),
    CustomerCompany("example-labs", "Example Labs"),
)

CUSTOMER_USERS: Final = (
    CustomerUser("alice", f"alice@{_MAIL_DOMAIN}", "Alice", "Anderson", EXAMPLE_CORP),
    CustomerUser("carlos", f"carlos@{_MAIL_DOMAIN}", "Carlos", "Castillo", EXAMPLE_CORP),
    CustomerUser("lena", "lena@labs.example.com", "Lena", "Lindqvist", "example-labs"),
)


def _text(name: str, label: str, order: int) -> DynamicField:
    return DynamicField(name, label, DynamicFieldType.TEXT, {"DefaultValue": ""}, order)


def _text_area(name: str, label: str, order: int) -> DynamicField:
    config = {"DefaultValue": "", "Rows": "5", "Cols": "60"}
    return DynamicField(name, label, DynamicFieldType.TEXT_AREA, config, order)


def _checkbox(name: str, label: str, order: int) -> DynamicField:
    return DynamicField(name, label, DynamicFieldType.CHECKBOX, {"DefaultValue": "0"}, order)


def _choice(
    name: str, label: str, order: int, values: Mapping[str, str], *, multiple: bool = False
) -> DynamicField:
    kind = DynamicFieldType.MULTISELECT if multiple else DynamicFieldType.DROPDOWN
    config: dict[str, Any] = {"PossibleValues": dict(values), "PossibleNone": "1", "TranslatableValues": "0"}
    return DynamicField(name, label, kind, config, order)


def _date(name: str, label: str, order: int, *, with_time: bool = False) -> DynamicField:
    kind = DynamicFieldType.DATE_TIME if with_time else DynamicFieldType.DATE
    config = {"DefaultValue": "", "YearsPeriod": "0", "DateRestriction": ""}
    return DynamicField(name, label, kind, config, order)


_APPROVAL = {"approved": "Approved", "rejected": "Rejected"}
_EQUIPMENT = {
    "laptop": "Laptop",
    "monitor": "Monitor",
    "dock": "Docking station",
    "headset": "Headset",
    "phone": "Mobile phone",
}

# Each process's "step" field is the hidden marker its dialogs set and its conditions test (OTOBO's
# standard pattern, reference §2.3): a transition out of a user task must not hold before the dialog
# was submitted, or the ticket would pass the task the moment it arrives.
PURCHASE_FIELDS: Final = (
    _text("PurchaseStep", "Purchase step", 100),
    _text_area("PurchaseItems", "Items", 101),
    _choice(
        "PurchaseCategory",
        "Category",
        102,
        {"hardware": "Hardware", "software": "Software", "office": "Office supplies", "services": "Services"},
    ),
    _text("PurchaseAmount", "Amount (EUR)", 103),
    _text_area("PurchaseJustification", "Justification", 104),
    _date("PurchaseNeededBy", "Needed by", 105),
    _choice("PurchaseApproval", "Manager decision", 106, _APPROVAL),
    _date("PurchaseOrderDue", "Order due", 107, with_time=True),
    _text("PurchaseOrderNumber", "Order number", 108),
    _checkbox("PurchaseDelivered", "Delivery received", 109),
)

ONBOARDING_FIELDS: Final = (
    _text("OnboardingStep", "Onboarding step", 200),
    _text("NewHireName", "New hire", 201),
    _date("NewHireStartDate", "Start date", 202),
    _choice(
        "NewHireDepartment",
        "Department",
        203,
        {
            "sales": "Sales",
            "engineering": "Engineering",
            "finance": "Finance",
            "hr": "HR",
            "ops": "Operations",
        },
    ),
    _choice("NewHireEquipment", "Equipment", 204, _EQUIPMENT, multiple=True),
    _date("AccountDeadline", "Account needed by", 205, with_time=True),
    _text("NewHireAccount", "Account name", 206),
    _text("NewHireLaptopTag", "Laptop asset tag", 207),
    _checkbox("WelcomeDone", "Welcome meeting held", 208),
    # The it-equipment child process works on its own fields; the sub-process call maps them.
    _text("EquipmentFor", "Equipment for", 220),
    _choice("EquipmentList", "Equipment to prepare", 221, _EQUIPMENT, multiple=True),
    _date("EquipmentNeededBy", "Equipment needed by", 222),
    _text("AssetTag", "Asset tag", 223),
    _checkbox("EquipmentChecked", "Equipment checked and labelled", 224),
)

CHANGE_FIELDS: Final = (
    _text("ChangeStep", "Change step", 300),
    _text_area("ChangeDescription", "What changes and why", 301),
    _choice(
        "ChangeSystems",
        "Affected systems",
        302,
        {"erp": "ERP", "mail": "Mail", "web": "Website", "network": "Network", "directory": "Directory"},
        multiple=True,
    ),
    _date("ChangePlannedAt", "Planned for", 303, with_time=True),
    _choice("ChangeRisk", "Risk", 304, {"low": "Low", "medium": "Medium", "high": "High"}),
    _text_area("ChangeBackoutPlan", "Back-out plan", 305),
    _choice("CABDecision", "CAB decision", 306, _APPROVAL),
    _text("DeploymentId", "Deployment id", 307),
    _choice(
        "RollbackDecision", "After the rollback", 308, {"retry": "Try again", "abandon": "Abandon the change"}
    ),
    _choice(
        "ReviewResult", "Review result", 309, {"successful": "Successful", "issues": "Successful with issues"}
    ),
)

DYNAMIC_FIELDS: Final = (*PURCHASE_FIELDS, *ONBOARDING_FIELDS, *CHANGE_FIELDS)

# A test double listens here (the worker issue's fake ERP); each service has its own path prefix.
DEMO_SERVICE_BASE: Final = "http://127.0.0.1:8089"


def _web_service(
    name: str, description: str, path: str, invoker: str, route: str, inbound: Mapping[str, str]
) -> WebService:
    """A web service in OTOBO's shape: an HTTP::REST requester with one invoker mapped to a route."""
    config = {
        "Description": description,
        "RemoteSystem": f"Example Corp {name}",
        "FrameworkVersion": "11.0",
        "Debugger": {"DebugThreshold": "debug", "TestMode": "0"},
        "Provider": {"Transport": {"Type": ""}},
        "Requester": {
            "Transport": {
                "Type": "HTTP::REST",
                "Config": {
                    "Host": f"{DEMO_SERVICE_BASE}/{path}",
                    "DefaultCommand": "POST",
                    "Timeout": "30",
                    "InvokerControllerMapping": {invoker: {"Command": "POST", "Controller": route}},
                },
            },
            "Invoker": {
                invoker: {
                    "Type": "Generic::PassThrough",
                    "Description": description,
                    "Events": [],
                    "MappingInbound": {"Type": "JSONPath", "Config": dict(inbound)},
                }
            },
        },
    }
    return WebService(name, config)


WEB_SERVICES: Final = (
    _web_service(
        "ERP",
        "Places purchase orders with suppliers",
        "erp",
        "CreateOrder",
        "/orders",
        {"DynamicField_PurchaseOrderNumber": "$.order.id"},
    ),
    _web_service(
        "Directory",
        "Creates user accounts",
        "directory",
        "CreateAccount",
        "/accounts",
        {"DynamicField_NewHireAccount": "$.account.name"},
    ),
    _web_service(
        "Deploy",
        "Runs automated deployments",
        "deploy",
        "RunDeployment",
        "/deployments",
        {"DynamicField_DeploymentId": "$.deployment.id"},
    ),
)

NOTIFICATION_TEMPLATES: Final = (
    NotificationTemplate(
        "Approval needed",
        "Please decide on <OTOBO_TICKET_Title>",
        "Ticket <OTOBO_TICKET_TicketNumber> waits for your decision.",
    ),
    NotificationTemplate(
        "Process finished",
        "<OTOBO_TICKET_Title> is done",
        "Ticket <OTOBO_TICKET_TicketNumber> has reached the end of its process.",
    ),
)

# Sign-in passwords of the demo people, printed by `demo load`: a demo, not a secret.
DEMO_PASSWORDS: Final = {person.login: f"{person.login}-demo1" for person in (*AGENTS, *CUSTOMER_USERS)}

DEMO_RECORDS: Final[tuple[CatalogRecord, ...]] = (
    *GROUPS,
    *ROLES,
    *QUEUES,
    *TICKET_TYPES,
    *AGENTS,
    *COMPANIES,
    *CUSTOMER_USERS,
    *DYNAMIC_FIELDS,
    *WEB_SERVICES,
    *NOTIFICATION_TEMPLATES,
)
