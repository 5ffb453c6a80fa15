"""Azure Monitor and Log Analytics: who is mailed (action groups), what trips an alert (activity-log and
log alerts), where the vault's audit log goes (diagnostic settings) and the workspace that keeps it.

azure-mgmt-monitor 7.0 (action groups 2023-01-01, activity-log alerts 2020-10-01, scheduled query rules
2023-12-01) has no diagnostic settings any more, so those go through azure-mgmt-resource's generic
resources by id at the api-version `az monitor diagnostic-settings` uses. Workspaces: azure-mgmt-loganalytics.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import ActionGroupInfo, AlertRuleInfo, DiagnosticSettingInfo, WorkspaceInfo

T = TypeVar("T")

DIAGNOSTIC_SETTINGS_API = "2021-05-01-preview"


def _not_found(exc: BaseException) -> bool:
    from azure.core.exceptions import ResourceNotFoundError

    return isinstance(exc, ResourceNotFoundError) or getattr(exc, "status_code", None) == 404


async def _or_none(read: Awaitable[T]) -> T | None:
    """A read's answer, or None when Azure says the resource is not there (any other failure is raised)."""
    from azure.core.exceptions import HttpResponseError

    try:
        return await read
    except HttpResponseError as exc:
        if _not_found(exc):
            return None
        raise


# ---- action groups ------------------------------------------------------------------------------------


def action_group_info(group: Any, request_id: str = "") -> ActionGroupInfo:
    return ActionGroupInfo(
        id=group.id or "", name=group.name or "", enabled=bool(group.enabled),
        emails=tuple(r.email_address for r in group.email_receivers or [] if r.email_address),
        short_name=group.group_short_name or "", request_id=request_id,
    )  # fmt: skip


async def get_action_group(conn: Connection, subscription_id: str, resource_group: str,
                           name: str) -> ActionGroupInfo | None:  # fmt: skip
    evidence = Evidence()
    with azure_errors(f"read the action group {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            group = await _or_none(client.action_groups.get(resource_group, name, **evidence.kwargs()))
    return None if group is None else action_group_info(group, evidence.request_id)


async def put_action_group(
    conn: Connection, subscription_id: str, resource_group: str, name: str, *, short_name: str,
    emails: list[str], tags: dict[str, str] | None = None,
) -> ActionGroupInfo:  # fmt: skip
    """Create or replace the action group: it mails each address (Azure's common alert schema)."""
    evidence = Evidence()
    body = {
        "location": "Global",
        "tags": tags or {},
        "properties": {
            "groupShortName": short_name,
            "enabled": True,
            "emailReceivers": [
                {"name": f"email-{i}", "emailAddress": address, "useCommonAlertSchema": True}
                for i, address in enumerate(emails, start=1)
            ],
        },
    }
    with azure_errors(f"create the action group {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            group = await client.action_groups.create_or_update(
                resource_group, name, body, **evidence.kwargs()
            )
    return action_group_info(group, evidence.request_id)


async def delete_action_group(conn: Connection, subscription_id: str, resource_group: str, name: str) -> None:
    with azure_errors(f"delete the action group {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            await client.action_groups.delete(resource_group, name)


# ---- activity-log alerts ------------------------------------------------------------------------------


def _operations(condition: Any) -> tuple[str, ...]:
    found: list[str] = []
    for leaf in (condition.all_of if condition else None) or []:
        if (leaf.field or "").lower() == "operationname" and leaf.equals:
            found.append(leaf.equals)
        for inner in leaf.any_of or []:
            if (inner.field or "").lower() == "operationname" and inner.equals:
                found.append(inner.equals)
    return tuple(found)


def activity_alert_info(alert: Any, request_id: str = "") -> AlertRuleInfo:
    groups = alert.actions.action_groups if alert.actions else None
    return AlertRuleInfo(
        id=alert.id or "", name=alert.name or "", kind="activity", enabled=alert.enabled is not False,
        scopes=tuple(alert.scopes or ()), action_group_ids=tuple(g.action_group_id for g in groups or []),
        operations=_operations(alert.condition), request_id=request_id,
    )  # fmt: skip


async def list_activity_alerts(
    conn: Connection, subscription_id: str, resource_group: str
) -> list[AlertRuleInfo]:
    with azure_errors(f"list the activity-log alerts in {resource_group}"):
        async with clients.monitor(conn, subscription_id) as client:
            return [activity_alert_info(a)
                    async for a in client.activity_log_alerts.list_by_resource_group(resource_group)]  # fmt: skip


async def put_activity_alert(
    conn: Connection, subscription_id: str, resource_group: str, name: str, *, scope: str, operation: str,
    action_group_id: str, description: str, tags: dict[str, str] | None = None,
) -> AlertRuleInfo:  # fmt: skip
    """An alert on one administrative operation (e.g. `Microsoft.KeyVault/vaults/delete`) at or under
    `scope` (activity-log alert scopes are prefixes: a role assignment or a lock on the vault is under it)."""
    evidence = Evidence()
    body = {
        "location": "Global",
        "tags": tags or {},
        "properties": {
            "scopes": [scope],
            "condition": {"allOf": [
                {"field": "category", "equals": "Administrative"},
                {"field": "operationName", "equals": operation},
            ]},
            "actions": {"actionGroups": [{"actionGroupId": action_group_id}]},
            "enabled": True,
            "description": description,
        },
    }  # fmt: skip
    with azure_errors(f"create the activity-log alert {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            alert = await client.activity_log_alerts.create_or_update(resource_group, name, body,
                                                                       **evidence.kwargs())  # fmt: skip
    return activity_alert_info(alert, evidence.request_id)


async def delete_activity_alert(
    conn: Connection, subscription_id: str, resource_group: str, name: str
) -> None:
    with azure_errors(f"delete the activity-log alert {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            await client.activity_log_alerts.delete(resource_group, name)


# ---- log (scheduled query) alerts ---------------------------------------------------------------------


def log_alert_info(rule: Any, request_id: str = "") -> AlertRuleInfo:
    criteria = rule.criteria.all_of if rule.criteria else None
    return AlertRuleInfo(
        id=rule.id or "", name=rule.name or "", kind="log", enabled=rule.enabled is not False,
        scopes=tuple(rule.scopes or ()),
        action_group_ids=tuple((rule.actions.action_groups or []) if rule.actions else ()),
        query=(criteria[0].query or "") if criteria else "", request_id=request_id,
    )  # fmt: skip


async def list_log_alerts(conn: Connection, subscription_id: str, resource_group: str) -> list[AlertRuleInfo]:
    with azure_errors(f"list the log alerts in {resource_group}"):
        async with clients.monitor(conn, subscription_id) as client:
            return [log_alert_info(r)
                    async for r in client.scheduled_query_rules.list_by_resource_group(resource_group)]  # fmt: skip


async def put_log_alert(
    conn: Connection, subscription_id: str, resource_group: str, name: str, *, location: str, workspace_id: str,
    query: str, action_group_id: str, description: str, tags: dict[str, str] | None = None,
) -> AlertRuleInfo:  # fmt: skip
    """A log alert on `workspace_id`: fires (severity 1) when `query` returns any row in a 5-minute window."""
    evidence = Evidence()
    body = {
        "location": location,
        "kind": "LogAlert",
        "tags": tags or {},
        "properties": {
            "description": description,
            "severity": 1,
            "enabled": True,
            "scopes": [workspace_id],
            "evaluationFrequency": "PT5M",
            "windowSize": "PT5M",
            "criteria": {"allOf": [{
                "query": query, "timeAggregation": "Count", "operator": "GreaterThan", "threshold": 0,
                "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
            }]},
            "actions": {"actionGroups": [action_group_id]},
            "autoMitigate": False,
        },
    }  # fmt: skip
    with azure_errors(f"create the log alert {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            rule = await client.scheduled_query_rules.create_or_update(resource_group, name, body,
                                                                        **evidence.kwargs())  # fmt: skip
    return log_alert_info(rule, evidence.request_id)


async def delete_log_alert(conn: Connection, subscription_id: str, resource_group: str, name: str) -> None:
    with azure_errors(f"delete the log alert {name}"):
        async with clients.monitor(conn, subscription_id) as client:
            await client.scheduled_query_rules.delete(resource_group, name)


# ---- Log Analytics workspaces -------------------------------------------------------------------------


def workspace_info(w: Any, request_id: str = "") -> WorkspaceInfo:
    p = w.properties
    return WorkspaceInfo(
        id=w.id or "", name=w.name or "", location=w.location or "",
        customer_id=(p.customer_id or "") if p else "", retention_days=p.retention_in_days if p else None,
        sku=text(p.sku.name) if p and p.sku else "", request_id=request_id,
    )  # fmt: skip


async def get_workspace(conn: Connection, subscription_id: str, resource_group: str,
                        name: str) -> WorkspaceInfo | None:  # fmt: skip
    evidence = Evidence()
    with azure_errors(f"read the Log Analytics workspace {name}"):
        async with clients.loganalytics(conn, subscription_id) as client:
            found = await _or_none(client.workspaces.get(resource_group, name, **evidence.kwargs()))
    return None if found is None else workspace_info(found, evidence.request_id)


async def list_workspaces(conn: Connection, subscription_id: str, resource_group: str) -> list[WorkspaceInfo]:
    with azure_errors(f"list the Log Analytics workspaces in {resource_group}"):
        async with clients.loganalytics(conn, subscription_id) as client:
            return [workspace_info(w) async for w in client.workspaces.list_by_resource_group(resource_group)]


async def create_workspace(
    conn: Connection, subscription_id: str, resource_group: str, name: str, *, location: str,
    retention_days: int = 30, tags: dict[str, str] | None = None,
) -> WorkspaceInfo:  # fmt: skip
    """A pay-as-you-go (PerGB2018) workspace keeping data `retention_days` days (31 are included in the price)."""
    evidence = Evidence()
    body = {"location": location, "tags": tags or {},
            "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": retention_days}}  # fmt: skip
    with azure_errors(f"create the Log Analytics workspace {name}"):
        async with clients.loganalytics(conn, subscription_id) as client:
            poller = await client.workspaces.begin_create_or_update(
                resource_group, name, body, **evidence.kwargs()
            )
            created = await poller.result()
    return workspace_info(created, evidence.request_id)


# ---- diagnostic settings (generic resources by id) ----------------------------------------------------


def _setting_id(resource_id: str, name: str) -> str:
    return f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings/{name}"


def setting_info(resource: Any, request_id: str = "") -> DiagnosticSettingInfo:
    props = resource.properties if isinstance(resource.properties, dict) else {}
    categories = tuple(
        entry.get("category") or entry.get("categoryGroup") or ""
        for entry in props.get("logs") or [] if isinstance(entry, dict) and entry.get("enabled")
    )  # fmt: skip
    return DiagnosticSettingInfo(id=resource.id or "", name=resource.name or "",
                                 workspace_id=props.get("workspaceId") or "", categories=categories,
                                 request_id=request_id)  # fmt: skip


async def get_diagnostic_setting(conn: Connection, subscription_id: str, resource_id: str,
                                 name: str) -> DiagnosticSettingInfo | None:  # fmt: skip
    evidence = Evidence()
    with azure_errors(f"read the diagnostic setting {name}"):
        async with clients.resources(conn, subscription_id) as client:
            found = await _or_none(
                client.resources.get_by_id(
                    _setting_id(resource_id, name), api_version=DIAGNOSTIC_SETTINGS_API, **evidence.kwargs()
                )
            )
    return None if found is None else setting_info(found, evidence.request_id)


async def put_diagnostic_setting(conn: Connection, subscription_id: str, resource_id: str, name: str, *,
                                 workspace_id: str, categories: list[str]) -> DiagnosticSettingInfo:  # fmt: skip
    """Send these log categories of `resource_id` to the workspace (replacing the setting if it exists)."""
    evidence = Evidence()
    body = {"properties": {
        "workspaceId": workspace_id,
        "logs": [{"category": c, "enabled": True} for c in categories],
    }}  # fmt: skip
    with azure_errors(f"send the audit log of {resource_id.rsplit('/', 1)[-1]} to Log Analytics"):
        async with clients.resources(conn, subscription_id) as client:
            poller = await client.resources.begin_create_or_update_by_id(
                _setting_id(resource_id, name), body, api_version=DIAGNOSTIC_SETTINGS_API, **evidence.kwargs()
            )
            made = await poller.result()
    return setting_info(made, evidence.request_id)


async def delete_diagnostic_setting(
    conn: Connection, subscription_id: str, resource_id: str, name: str
) -> None:
    with azure_errors(f"delete the diagnostic setting {name}"):
        async with clients.resources(conn, subscription_id) as client:
            poller = await client.resources.begin_delete_by_id(_setting_id(resource_id, name),
                                                               api_version=DIAGNOSTIC_SETTINGS_API)  # fmt: skip
            await poller.result()
