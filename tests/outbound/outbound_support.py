"""Values shared by the outbound tests (a module of its own: ``conftest`` names are not unique)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# A Monday morning, as in the demo tests: the purchase request's business-day arithmetic is stable.
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def erp_document(base_url: str) -> dict[str, Any]:
    """The ERP web service as an admin would import it: the demo's CreateOrder invoker with a body
    template and a response mapping that stores the order number."""
    return {
        "format": "ticketflow.webservice/1",
        "name": "ERP",
        "config": {
            "Description": "Places purchase orders with suppliers",
            "Requester": {
                "Transport": {
                    "Type": "HTTP::REST",
                    "Config": {
                        "Host": f"{base_url}/erp",
                        "DefaultCommand": "POST",
                        "Timeout": "5",
                        "InvokerControllerMapping": {
                            "CreateOrder": {"Command": "POST", "Controller": "/orders"}
                        },
                        "OutboundHeaders": {"Common": {"X-Client": "ticketflow-tests"}},
                    },
                },
                "Invoker": {
                    "CreateOrder": {
                        "Type": "Generic::PassThrough",
                        "Events": [],
                        "MappingOutbound": {
                            "Type": "Template",
                            "Config": {
                                "Body": {
                                    "reference": "<OTOBO_PARAM_Reference>",
                                    "items": "<OTOBO_PARAM_Items>",
                                    "amount": "<OTOBO_PARAM_Amount>",
                                    "requester": "<OTOBO_CUSTOMER_DATA_UserEmail>",
                                    "lines": ["<OTOBO_TICKET_Title>"],
                                }
                            },
                        },
                        "MappingInbound": {
                            "Type": "JSONPath",
                            "Config": {"DynamicField_PurchaseOrderNumber": "$.order.id"},
                        },
                    }
                },
            },
        },
    }
