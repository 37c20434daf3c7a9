"""Transition action modules (reference §4): behaviour per module, as data where possible."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from ticketflow.domain.effects import (
    AddArticle,
    CreateTicket,
    Effect,
    SendNotification,
    SetValue,
    StartSubProcess,
)
from ticketflow.domain.errors import ActionError
from ticketflow.domain.tickets import TicketSnapshot, Value
from ticketflow.domain.transition_actions import ACTIONS, ActionCall, find_action

NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=UTC)
STATE_TYPES = {
    "new": "new",
    "open": "open",
    "pending reminder": "pending reminder",
    "waiting for supplier": "pending auto",
    "closed successful": "closed",
}
TICKET = {
    "TicketID": "42",
    "TicketNumber": "2025031400042",
    "Title": "New laptop",
    "Queue": "Raw",
    "State": "open",
    "StateType": "open",
    "Priority": "3 normal",
    "Lock": "unlock",
    "Owner": "root",
    "CustomerID": "ACME",
    "CustomerUserID": "jane",
}


def run(module: str, config: dict[str, Value], **changes: str) -> tuple[Effect, ...]:
    return ACTIONS[module].run(call(config, **changes))


def call(
    config: dict[str, Value],
    fields: dict[str, Value] | None = None,
    list_fields: frozenset[str] = frozenset(),
    **changes: str,
) -> ActionCall:
    snapshot = TicketSnapshot({**TICKET, **changes}, fields or {})
    return ActionCall(
        config, snapshot, NOW, "purchase", "approval", "approve", "TA1", STATE_TYPES, list_fields
    )


class TestRegistry:
    def test_all_otobo_modules_and_ours_are_registered(self) -> None:
        otobo = {
            "DynamicFieldSet",
            "TicketArticleCreate",
            "TicketCreate",
            "TicketCustomerSet",
            "TicketLockSet",
            "TicketOwnerSet",
            "TicketQueueSet",
            "TicketResponsibleSet",
            "TicketSLASet",
            "TicketServiceSet",
            "TicketStateSet",
            "TicketTitleSet",
            "TicketTypeSet",
        }
        assert set(ACTIONS) == otobo | {"SendNotification", "StartSubProcess", "TicketPrioritySet"}

    @pytest.mark.parametrize(
        "name",
        [
            "TicketQueueSet",
            "Kernel::System::ProcessManagement::TransitionAction::TicketQueueSet",
            " TicketQueueSet ",
        ],
    )
    def test_find_action_accepts_short_and_full_otobo_names(self, name: str) -> None:
        assert find_action(name) is ACTIONS["TicketQueueSet"]

    def test_find_action_returns_none_for_an_unknown_module(self) -> None:
        assert find_action("Kernel::System::ProcessManagement::TransitionAction::ConfigItemAdd") is None

    @pytest.mark.parametrize("module", sorted(ACTIONS))
    def test_every_module_documents_itself_and_accepts_user_id(self, module: str) -> None:
        action = ACTIONS[module]
        assert action.name == module
        assert action.description
        assert "UserID" in {parameter.name for parameter in action.parameters}

    @pytest.mark.parametrize(
        ("module", "key"),
        [
            ("TicketQueueSet", "Queue"),
            ("TicketOwnerSet", "Owner"),
            ("TicketResponsibleSet", "Responsible"),
            ("TicketServiceSet", "Service"),
            ("TicketSLASet", "SLA"),
            ("TicketStateSet", "State"),
            ("TicketTitleSet", "Title"),
            ("TicketTypeSet", "Type"),
            ("TicketPrioritySet", "Priority"),
            ("TicketLockSet", "Lock"),
            ("TicketArticleCreate", "IsVisibleForCustomer"),
            ("TicketCreate", "Title"),
            ("SendNotification", "Recipients"),
            ("StartSubProcess", "Process"),
            ("TicketCustomerSet", "CustomerID"),
        ],
    )
    def test_missing_required_config_is_an_action_error_naming_the_key(self, module: str, key: str) -> None:
        with pytest.raises(ActionError, match=key):
            run(module, {"UserID": "1"})


class TestSetters:
    @pytest.mark.parametrize(
        ("module", "key", "value"),
        [
            ("TicketQueueSet", "Queue", "Sales::Orders"),
            ("TicketOwnerSet", "Owner", "jdoe"),
            ("TicketResponsibleSet", "Responsible", "boss"),
            ("TicketServiceSet", "Service", "IT::Hardware"),
            ("TicketTitleSet", "Title", "Laptop approved"),
            ("TicketTypeSet", "Type", "Request"),
            ("TicketPrioritySet", "Priority", "4 high"),
            ("TicketStateSet", "State", "closed successful"),
            ("TicketLockSet", "Lock", "lock"),
        ],
    )
    def test_setter_sets_a_different_value(self, module: str, key: str, value: str) -> None:
        assert run(module, {key: value, "UserID": "3"}) == (SetValue(key, value),)

    @pytest.mark.parametrize(
        ("module", "key", "value"),
        [
            ("TicketQueueSet", "Queue", "Raw"),
            ("TicketOwnerSet", "Owner", "root"),
            ("TicketTitleSet", "Title", "New laptop"),
            ("TicketPrioritySet", "Priority", "3 normal"),
            ("TicketStateSet", "State", "open"),
            ("TicketLockSet", "Lock", "unlock"),
        ],
    )
    def test_setter_skips_an_unchanged_value(self, module: str, key: str, value: str) -> None:
        assert run(module, {key: value}) == ()

    @pytest.mark.parametrize(
        ("module", "id_key", "message"),
        [
            ("TicketQueueSet", "QueueID", "QueueID is not supported, use Queue"),
            ("TicketStateSet", "StateID", "StateID is not supported, use State"),
            ("TicketOwnerSet", "OwnerID", "OwnerID is not supported, use Owner"),
            ("TicketPrioritySet", "PriorityID", "PriorityID is not supported, use Priority"),
            ("TicketTypeSet", "TypeID", "TypeID is not supported, use Type"),
        ],
    )
    def test_id_variants_are_refused_clearly(self, module: str, id_key: str, message: str) -> None:
        with pytest.raises(ActionError, match=message):
            run(module, {id_key: "5"})

    def test_the_name_wins_over_an_id_variant(self) -> None:
        assert run("TicketQueueSet", {"Queue": "Junk", "QueueID": "3"}) == (SetValue("Queue", "Junk"),)

    @pytest.mark.parametrize(("lock_id", "lock"), [("1", "unlock"), ("2", "lock"), ("3", "tmp_lock")])
    def test_lock_id_maps_to_the_fixed_otobo_locks(self, lock_id: str, lock: str) -> None:
        expected = () if lock == "unlock" else (SetValue("Lock", lock),)
        assert run("TicketLockSet", {"LockID": lock_id}) == expected

    @pytest.mark.parametrize("config", [{"Lock": "locked"}, {"LockID": "9"}])
    def test_unknown_lock_is_an_error(self, config: dict[str, Value]) -> None:
        with pytest.raises(ActionError):
            run("TicketLockSet", config)

    def test_sla_needs_a_service_on_the_ticket(self) -> None:
        with pytest.raises(ActionError, match="no service"):
            run("TicketSLASet", {"SLA": "Gold"})
        assert run("TicketSLASet", {"SLA": "Gold"}, Service="IT") == (SetValue("SLA", "Gold"),)

    def test_customer_set_sets_each_part_only_when_different(self) -> None:
        assert run("TicketCustomerSet", {"CustomerID": "ACME", "CustomerUserID": "joe"}) == (
            SetValue("CustomerUserID", "joe"),
        )
        assert run("TicketCustomerSet", {"No": "Initech", "User": "jane"}) == (
            SetValue("CustomerID", "Initech"),
        )

    @pytest.mark.parametrize(
        ("config", "expected"),
        [
            ({"CustomerID": "Initech"}, (SetValue("CustomerID", "Initech"),)),
            ({"User": "joe"}, (SetValue("CustomerUserID", "joe"),)),
        ],
    )
    def test_customer_set_sets_only_the_configured_part(
        self, config: dict[str, Value], expected: tuple[Effect, ...]
    ) -> None:
        assert run("TicketCustomerSet", config) == expected

    def test_a_list_value_is_read_as_comma_joined_text(self) -> None:
        assert run("TicketTitleSet", {"Title": ("a", "b")}) == (SetValue("Title", "a,b"),)


class TestTicketStateSetPendingTime:
    def test_pending_time_diff_is_in_seconds(self) -> None:
        effects = run("TicketStateSet", {"State": "pending reminder", "PendingTimeDiff": "3600"})
        assert effects == (
            SetValue("State", "pending reminder"),
            SetValue("PendingTime", "2025-03-14 11:00:00"),
        )

    def test_pending_time_diff_is_added_to_an_absolute_pending_time(self) -> None:
        effects = run(
            "TicketStateSet",
            {"State": "pending reminder", "PendingTime": "2025-04-01 08:00:00", "PendingTimeDiff": "-60"},
        )
        assert effects[-1] == SetValue("PendingTime", "2025-04-01 07:59:00")

    def test_pending_time_is_set_even_when_the_state_does_not_change(self) -> None:
        effects = run(
            "TicketStateSet",
            {"State": "pending reminder", "PendingTime": "2025-04-01"},
            State="pending reminder",
        )
        assert effects == (SetValue("PendingTime", "2025-04-01 00:00:00"),)

    def test_a_pending_state_without_pending_time_sets_only_the_state(self) -> None:
        assert run("TicketStateSet", {"State": "pending reminder"}) == (
            SetValue("State", "pending reminder"),
        )

    def test_state_types_decide_what_is_pending(self) -> None:
        effects = run("TicketStateSet", {"State": "waiting for supplier", "PendingTimeDiff": "60"})
        assert effects[-1] == SetValue("PendingTime", "2025-03-14 10:01:00")

    def test_pending_time_is_ignored_for_a_state_that_is_not_pending(self) -> None:
        assert run("TicketStateSet", {"State": "new", "PendingTimeDiff": "60"}) == (SetValue("State", "new"),)

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ({"PendingTimeDiff": "7d"}, "whole number"),
            ({"PendingTime": "next friday"}, "not a date"),
        ],
    )
    def test_bad_pending_time_is_an_error(self, config: dict[str, Value], message: str) -> None:
        with pytest.raises(ActionError, match=message):
            run("TicketStateSet", {"State": "pending reminder", **config})


class TestDynamicFieldSet:
    def test_sets_fields_in_sorted_order_and_always_writes(self) -> None:
        effects = ACTIONS["DynamicFieldSet"].run(
            call({"Zeta": "z", "Alpha": "a", "UserID": "1"}, fields={"Alpha": "a"})
        )
        assert effects == (SetValue("DynamicField_Alpha", "a"), SetValue("DynamicField_Zeta", "z"))

    def test_dynamic_field_prefix_addresses_a_field_called_user_id(self) -> None:
        assert run("DynamicFieldSet", {"DynamicField_UserID": "7", "UserID": "1"}) == (
            SetValue("DynamicField_UserID", "7"),
        )

    def test_empty_text_clears(self) -> None:
        assert run("DynamicFieldSet", {"Status": ""}) == (SetValue("DynamicField_Status", None),)

    def test_comma_separated_text_fills_a_multiselect_field_named_in_list_fields(self) -> None:
        effects = ACTIONS["DynamicFieldSet"].run(call({"Items": "a, b ,c"}, list_fields=frozenset({"Items"})))
        assert effects == (SetValue("DynamicField_Items", ("a", "b", "c")),)

    def test_comma_separated_text_fills_a_field_that_holds_a_list(self) -> None:
        effects = ACTIONS["DynamicFieldSet"].run(call({"Items": "x,y"}, fields={"Items": ("a",)}))
        assert effects == (SetValue("DynamicField_Items", ("x", "y")),)

    def test_a_list_value_from_a_data_placeholder_is_kept(self) -> None:
        assert run("DynamicFieldSet", {"Items": ("a", "b")}) == (SetValue("DynamicField_Items", ("a", "b")),)

    def test_commas_stay_in_a_text_field(self) -> None:
        assert run("DynamicFieldSet", {"Note": "a, b"}) == (SetValue("DynamicField_Note", "a, b"),)

    def test_ticket_id_writes_to_another_ticket(self) -> None:
        assert run("DynamicFieldSet", {"Result": "ok", "TicketID": "7"}) == (
            SetValue("DynamicField_Result", "ok", ticket_id="7"),
        )

    def test_own_ticket_id_writes_to_this_ticket(self) -> None:
        assert run("DynamicFieldSet", {"Result": "ok", "TicketID": "42"}) == (
            SetValue("DynamicField_Result", "ok"),
        )

    @pytest.mark.parametrize(
        "config",
        [{"UserID": "1"}, {"Bad\tName": "x"}, {"DynamicField_": "x"}, {"Result": "ok", "TicketID": "T-7"}],
    )
    def test_no_or_bad_field_name_is_an_error(self, config: dict[str, Value]) -> None:
        with pytest.raises(ActionError):
            run("DynamicFieldSet", config)


class TestTicketArticleCreate:
    def test_creates_an_article_with_otobo_defaults(self) -> None:
        assert run("TicketArticleCreate", {"IsVisibleForCustomer": "1", "Subject": "Hi", "Body": "Text"}) == (
            AddArticle(subject="Hi", body="Text", visible_for_customer=True),
        )

    def test_takes_channel_sender_addresses_and_mime_type(self) -> None:
        config: dict[str, Value] = {
            "IsVisibleForCustomer": "0",
            "SenderType": "agent",
            "CommunicationChannel": "Email",
            "MimeType": "text/html",
            "Charset": "iso-8859-1",
            "From": "a@example.com",
            "To": "b@example.com",
            "HistoryType": "AddNote",
            "TimeUnit": "5",
        }
        assert run("TicketArticleCreate", config) == (
            AddArticle(
                subject="",
                body="",
                channel="Email",
                sender_type="agent",
                content_type="text/html; charset=iso-8859-1",
                from_address="a@example.com",
                to_address="b@example.com",
            ),
        )

    def test_content_type_is_taken_as_given(self) -> None:
        (article,) = run("TicketArticleCreate", {"IsVisibleForCustomer": "0", "ContentType": "text/html"})
        assert isinstance(article, AddArticle)
        assert article.content_type == "text/html"

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ({"IsVisibleForCustomer": "yes"}, "must be 0 or 1"),
            ({"IsVisibleForCustomer": "1", "SenderType": "robot"}, "SenderType"),
        ],
    )
    def test_bad_values_are_errors(self, config: dict[str, Value], message: str) -> None:
        with pytest.raises(ActionError, match=message):
            run("TicketArticleCreate", config)


class TestTicketCreate:
    def test_creates_a_ticket_with_the_configured_values(self) -> None:
        config: dict[str, Value] = {
            "Title": "Order for <ticket>",
            "Owner": "jdoe",
            "Queue": "Purchasing",
            "State": "open",
            "CustomerUser": "jane",
            "DynamicField_ParentNumber": "2025",
            "LinkAs": "Child",
            "StoreTicketIDDynamicField": "DynamicField_OrderTicket",
            "UserID": "1",
            "TN": "2025000001",
            "ArchiveFlag": "n",
        }
        (effect,) = run("TicketCreate", config)
        assert effect == CreateTicket(
            values={
                "Title": "Order for <ticket>",
                "Owner": "jdoe",
                "Queue": "Purchasing",
                "State": "open",
                "CustomerUserID": "jane",
                "DynamicField_ParentNumber": "2025",
            },
            link_as="Child",
            store_ticket_id_field="OrderTicket",
        )

    def test_pending_time_diff_is_in_minutes(self) -> None:
        (effect,) = run(
            "TicketCreate", {"Title": "T", "Owner": "o", "State": "pending reminder", "PendingTimeDiff": "60"}
        )
        assert isinstance(effect, CreateTicket)
        assert effect.values["PendingTime"] == "2025-03-14 11:00:00"

    def test_a_pending_ticket_without_pending_time_gets_none(self) -> None:
        (effect,) = run("TicketCreate", {"Title": "T", "Owner": "o", "State": "pending reminder"})
        assert isinstance(effect, CreateTicket)
        assert "PendingTime" not in effect.values

    def test_empty_dynamic_fields_are_left_out(self) -> None:
        (effect,) = run("TicketCreate", {"Title": "T", "Owner": "o", "DynamicField_Note": ""})
        assert isinstance(effect, CreateTicket)
        assert "DynamicField_Note" not in effect.values

    def test_a_ticket_created_closed_is_unlocked(self) -> None:
        (effect,) = run(
            "TicketCreate", {"Title": "T", "Owner": "o", "State": "closed successful", "Lock": "lock"}
        )
        assert isinstance(effect, CreateTicket)
        assert effect.values["Lock"] == "unlock"

    def test_article_only_with_sender_type_and_visibility(self) -> None:
        base: dict[str, Value] = {"Title": "T", "Owner": "o", "Subject": "S", "Body": "B"}
        (without,) = run("TicketCreate", {**base, "SenderType": "agent"})
        (with_article,) = run("TicketCreate", {**base, "SenderType": "agent", "IsVisibleForCustomer": "0"})
        assert isinstance(without, CreateTicket)
        assert isinstance(with_article, CreateTicket)
        assert without.article is None
        assert with_article.article == AddArticle(subject="S", body="B", sender_type="agent")

    def test_multiselect_field_values_are_split(self) -> None:
        effects = ACTIONS["TicketCreate"].run(
            call({"Title": "T", "Owner": "o", "DynamicField_Items": "a,b"}, list_fields=frozenset({"Items"}))
        )
        assert isinstance(effects[0], CreateTicket)
        assert effects[0].values["DynamicField_Items"] == ("a", "b")

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ({"Title": "T"}, "Owner"),
            ({"Title": "T", "OwnerID": "1"}, "OwnerID is not supported"),
            ({"Title": "T", "Owner": "o", "QueueID": "1"}, "QueueID is not supported"),
        ],
    )
    def test_bad_config_is_an_error(self, config: dict[str, Value], message: str) -> None:
        with pytest.raises(ActionError, match=message):
            run("TicketCreate", config)


class TestSendNotification:
    def test_queues_a_notification_for_the_recipients(self) -> None:
        config: dict[str, Value] = {
            "Recipients": "Owner, role:Approvers, queue:Sales, boss@example.com",
            "Subject": "Approve",
            "Body": "Please",
        }
        assert run("SendNotification", config) == (
            SendNotification(
                recipients=("owner", "role:Approvers", "queue:Sales", "boss@example.com"),
                subject="Approve",
                body="Please",
            ),
        )

    def test_a_template_replaces_subject_and_body(self) -> None:
        effect = run(
            "SendNotification", {"Recipients": "customer", "Template": "approved", "ContentType": "text/html"}
        )
        assert effect == (
            SendNotification(("customer",), "", "", template="approved", content_type="text/html"),
        )

    @pytest.mark.parametrize(
        ("config", "message"),
        [
            ({"Recipients": "owner", "Body": "b"}, "Subject"),
            ({"Recipients": "owner", "Subject": "s"}, "Body"),
            ({"Recipients": "the boss", "Subject": "s", "Body": "b"}, "recipient 'the boss'"),
            ({"Recipients": "role:", "Subject": "s", "Body": "b"}, "recipient 'role:'"),
            ({"Recipients": " , ", "Subject": "s", "Body": "b"}, "Recipients"),
        ],
    )
    def test_bad_config_is_an_error(self, config: dict[str, Value], message: str) -> None:
        with pytest.raises(ActionError, match=message):
            run("SendNotification", config)


class TestStartSubProcess:
    def test_starts_a_child_with_its_dynamic_fields(self) -> None:
        config: dict[str, Value] = {
            "Process": "purchase-order",
            "Version": "3",
            "Title": "Order",
            "DynamicField_Items": ("a", "b"),
            "UserID": "1",
        }
        assert run("StartSubProcess", config) == (
            StartSubProcess("approval", "purchase-order", 3, {"DynamicField_Items": ("a", "b")}, "Order"),
        )

    def test_version_defaults_to_the_latest(self) -> None:
        (effect,) = run("StartSubProcess", {"Process": "p"})
        assert isinstance(effect, StartSubProcess)
        assert effect.version is None

    def test_version_must_be_a_number(self) -> None:
        with pytest.raises(ActionError, match="Version"):
            run("StartSubProcess", {"Process": "p", "Version": "latest"})


class TestPreparedShortcuts:
    """``ActionModule.prepare`` (used by the engine for configs without placeholders) must give
    exactly what ``run`` gives for the same config, whatever the ticket and the list fields."""

    CONFIGS: tuple[dict[str, Value], ...] = (
        {"Queue": "Raw"},
        {"Queue": "Sales"},
        {"Queue": ""},
        {"QueueID": "3"},
        {"Owner": "root"},
        {"Owner": "jdoe", "UserID": "1"},
        {"Title": "x"},
        {"Title": ("a", "b")},
        {"Priority": "3 normal"},
        {"Type": "Incident"},
        {"Responsible": "jdoe"},
        {"Service": "IT"},
        {"State": "open"},
        {"State": "pending reminder"},
        {"State": "pending reminder", "PendingTimeDiff": "60"},
        {"State": "closed successful", "PendingTime": ""},
        {"StateID": "2"},
        {"Status": "approved"},
        {"DynamicField_Status": "", "UserID": "1"},
        {"Tags": "a, b", "Status": "x"},
        {"Tags": ("a", "b")},
        {"Tags": ()},
        {"Bad Name": "x"},
        {"UserID": "1"},
        {"Status": "x", "TicketID": "42"},
        {"Lock": "lock"},
        {"Lock": "unlock", "UserID": "1"},
        {"Lock": "bad"},
        {"Lock": ""},
        {"LockID": "2"},
        {"LockID": "9"},
        {"Lock": ("lock",)},
        {"Lock": "lock", "LockID": "1"},
        {"SLA": "Gold"},
        {"SLA": ""},
        {"SLAID": "1"},
        {"CustomerID": "ACME"},
        {"CustomerID": "Other", "CustomerUserID": "jane"},
        {"No": "Other", "User": "joe"},
        {"CustomerID": "", "User": "jane"},
        {"CustomerUserID": ("a", "b")},
        {"CustomerID": ""},
        {"UserID": "<OTOBO_TICKET_Owner>", "Lock": "lock", "CustomerID": "X"},
    )
    FIELDS: tuple[dict[str, Value], ...] = ({}, {"Tags": ("a",)}, {"Status": "old", "Tags": "a"})
    ATTRIBUTES: tuple[dict[str, str], ...] = (
        {},
        {"Service": "IT", "SLA": "Gold", "Lock": "lock"},
        {"Service": "IT", "CustomerID": "Other", "CustomerUserID": "joe"},
    )

    @pytest.mark.parametrize("module", sorted(name for name, m in ACTIONS.items() if m.prepare))
    def test_prepared_run_gives_what_run_gives(self, module: str) -> None:
        action = ACTIONS[module]
        assert action.prepare is not None
        for config in self.CONFIGS:
            prepared = action.prepare(config)
            if prepared is None:
                continue
            for fields, attributes in itertools.product(self.FIELDS, self.ATTRIBUTES):
                for list_fields in (frozenset(), frozenset({"Tags"})):
                    expected = self._outcome(action.run, call(config, fields, list_fields, **attributes))
                    got = self._outcome(prepared, call(config, fields, list_fields, **attributes))
                    assert got == expected, (module, config, fields, attributes, list_fields)

    def test_the_common_setters_and_dynamic_field_set_have_shortcuts(self) -> None:
        for name in (
            "TicketQueueSet",
            "TicketStateSet",
            "TicketOwnerSet",
            "DynamicFieldSet",
            "TicketLockSet",
            "TicketSLASet",
            "TicketCustomerSet",
        ):
            prepare = ACTIONS[name].prepare
            assert prepare is not None
            config: dict[str, Value] = {"Queue": "x", "State": "open", "Owner": "x", "Status": "x"}
            assert prepare({**config, "Lock": "lock", "SLA": "Gold", "CustomerID": "X"}) is not None

    NOTIFICATIONS: tuple[tuple[dict[str, Value], dict[str, Value]], ...] = (
        # (config as written, as rendered for the run)
        ({"Recipients": "owner", "Template": "t"}, {"Recipients": "owner", "Template": "t"}),
        ({"Recipients": "x@example.com, role:A", "Subject": "s", "Body": "b"},) * 2,
        ({"Recipients": "<OTOBO_TICKET_Owner>", "Template": "t"}, {"Recipients": "jane@example.com"}),
        ({"Recipients": "<OTOBO_TICKET_Owner>", "Template": "t"}, {"Recipients": "nobody"}),
        ({"Recipients": "<OTOBO_TICKET_Owner>", "Template": "t"}, {"Recipients": ""}),
        ({"Recipients": "owner", "Subject": "s"}, {"Recipients": "owner", "Subject": "s"}),
        ({"Recipients": "bad", "Template": "t"}, {"Recipients": "bad", "Template": "t"}),
        ({"Recipients": "", "Template": "t", "ContentType": "text/html"},) * 2,
    )

    def test_prepared_notification_gives_what_run_gives(self) -> None:
        module = ACTIONS["SendNotification"]
        assert module.prepare is not None
        prepared_any = False
        for written, rendered in self.NOTIFICATIONS:
            prepared = module.prepare(written)
            if prepared is None:
                continue
            prepared_any = True
            config = {**written, **rendered}
            expected = self._outcome(module.run, call(config))
            assert self._outcome(prepared, call(config)) == expected, written
        assert prepared_any

    @staticmethod
    def _outcome(run: object, action_call: ActionCall) -> object:
        assert callable(run)
        try:
            return run(action_call)
        except ActionError as error:
            return error.message
