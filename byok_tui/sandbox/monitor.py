"""Azure Monitor and Log Analytics: action groups, activity-log alerts, log (scheduled query) alerts,
diagnostic settings on a vault, and Log Analytics workspaces.

Shapes follow the API versions the SDKs send (azure-mgmt-monitor 7.0: action groups 2023-01-01,
activity-log alerts 2020-10-01, scheduled query rules 2023-12-01; diagnostic settings 2021-05-01-preview
through azure-mgmt-resource's generic resources; azure-mgmt-loganalytics 14.0: workspaces 2025-07-01).
Each resource is stored as ARM returns it (`MonitorResource`); the handlers refuse what Azure refuses in
the fields the wizard sends, with ARM's error body, and check the caller's role for each action.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from byok_tui.sandbox import locks
from byok_tui.sandbox.errors import arm_bad_request, arm_error, arm_not_found
from byok_tui.sandbox.roles import scope_covers
from byok_tui.sandbox.router import Reply, Request, route
from byok_tui.sandbox.world import MonitorResource, World

if TYPE_CHECKING:
    from byok_tui.sandbox.arm import ArmContext

_RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers"
_VAULT_DS = _RG + "/Microsoft.KeyVault/vaults/{vault}/providers/Microsoft.Insights/diagnosticSettings"

KINDS: dict[str, tuple[str, str]] = {
    # path segment (lower) -> (type as ARM returns it, action prefix)
    "actiongroups": ("Microsoft.Insights/ActionGroups", "Microsoft.Insights/actionGroups"),
    "activitylogalerts": ("Microsoft.Insights/ActivityLogAlerts", "Microsoft.Insights/activityLogAlerts"),
    "scheduledqueryrules": (
        "microsoft.insights/scheduledqueryrules",
        "Microsoft.Insights/scheduledQueryRules",
    ),
}
WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"
DIAGNOSTIC_TYPE = "Microsoft.Insights/diagnosticSettings"
KEY_VAULT_LOG_CATEGORIES = ("AuditEvent", "AzurePolicyEvaluationDetails")
KEY_VAULT_CATEGORY_GROUPS = ("audit", "allLogs")
SHORT_NAME_MAX = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DURATION = re.compile(r"^PT(\d+)(M|H)$|^P(\d+)D$", re.IGNORECASE)
_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.OperationalInsights/workspaces/[^/]+$",
    re.IGNORECASE,
)


def _body(req: Request) -> dict[str, Any]:
    body = req.json(lambda m: arm_bad_request(m, code="InvalidRequestContent")) or {}
    if not isinstance(body, dict):
        raise arm_bad_request("The request content must be a JSON object.", code="InvalidRequestContent")
    return body


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if not isinstance(props, dict):
        raise arm_bad_request("The request content is missing 'properties'.", code="InvalidRequestContent")
    return props


def resource_json(r: MonitorResource) -> dict[str, Any]:
    body: dict[str, Any] = {"id": r.id, "name": r.name, "type": r.type}
    if r.location:
        body["location"] = r.location
    if r.kind:
        body["kind"] = r.kind
    if r.type != DIAGNOSTIC_TYPE:
        body["tags"] = dict(r.tags)
    body["properties"] = r.properties
    return body


def drop_resources_under(world: World, scope: str) -> None:
    for key in [k for k, r in world.monitor.items() if scope_covers(scope, r.id)]:
        del world.monitor[key]


# ---- resource-group resources: action groups, alerts, workspaces ----------------------------------------


def _rg_id(ctx: ArmContext, req: Request) -> str:
    group = ctx.resource_group(req.params["sub"], req.params["rg"])
    return group.id


def _kind(req: Request) -> tuple[str, str, str]:
    segment = req.params["kind"].lower()
    if segment not in KINDS:
        raise arm_error(404, "InvalidResourceType",
                        f"The sandbox does not emulate '{req.method} {req.path}' in Microsoft.Insights.")  # fmt: skip
    type_, action = KINDS[segment]
    return segment, type_, action


def _insights_id(rg_id: str, action: str, name: str) -> str:
    return f"{rg_id}/providers/{action}/{name}"


def get_insights(ctx: ArmContext, req: Request) -> Reply:
    _, type_, action = _kind(req)
    ctx.subscription(req.params["sub"])
    ctx.require(f"{action}/read", _scope(req))
    rg_id = _rg_id(ctx, req)
    found = ctx.world.monitor.get(_insights_id(rg_id, action, req.params["name"]).lower())
    if found is None:
        raise arm_not_found(action, req.params["name"], req.params["rg"])
    return Reply(200, resource_json(found))


def list_insights(ctx: ArmContext, req: Request) -> Reply:
    _, type_, action = _kind(req)
    ctx.subscription(req.params["sub"])
    ctx.require(f"{action}/read", _scope(req))
    rg_id = _rg_id(ctx, req).lower() + "/"
    found = [resource_json(r) for k, r in sorted(ctx.world.monitor.items())
             if r.type == type_ and k.startswith(rg_id)]  # fmt: skip
    return Reply(200, {"value": found})


def put_insights(ctx: ArmContext, req: Request) -> Reply:
    segment, type_, action = _kind(req)
    ctx.subscription(req.params["sub"])
    ctx.require(f"{action}/write", _scope(req))
    rg_id = _rg_id(ctx, req)
    body = _body(req)
    props = dict(_properties(body))
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise arm_bad_request("The 'location' property is required.", code="LocationRequired")
    kind = ""
    if segment == "actiongroups":
        props = _action_group(props)
    elif segment == "activitylogalerts":
        props = _activity_alert(ctx, props)
    else:
        props, kind = _log_alert(ctx, props), str(body.get("kind") or "LogAlert")
    resource_id = _insights_id(rg_id, action, req.params["name"])
    existing = ctx.world.monitor.get(resource_id.lower())
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
    stored = MonitorResource(id=existing.id if existing else resource_id, type=type_,
                             name=existing.name if existing else req.params["name"], properties=props,
                             location=location, tags=tags, kind=kind)  # fmt: skip
    ctx.world.monitor[resource_id.lower()] = stored
    ctx.world.changed()
    return Reply(200 if existing else 201, resource_json(stored))


def delete_insights(ctx: ArmContext, req: Request) -> Reply:
    _, type_, action = _kind(req)
    ctx.subscription(req.params["sub"])
    ctx.require(f"{action}/delete", _scope(req))
    rg_id = _rg_id(ctx, req)
    resource_id = _insights_id(rg_id, action, req.params["name"])
    if resource_id.lower() not in ctx.world.monitor:
        return Reply(204)
    locks.refuse_delete(ctx.world, resource_id)
    del ctx.world.monitor[resource_id.lower()]
    ctx.world.changed()
    return Reply(200)


def _scope(req: Request) -> str:
    return f"/subscriptions/{req.params['sub']}/resourceGroups/{req.params['rg']}"


def _action_group(props: dict[str, Any]) -> dict[str, Any]:
    short = props.get("groupShortName")
    if not isinstance(short, str) or not short:
        raise arm_bad_request("The 'groupShortName' property is required.", code="InvalidRequestContent")
    if len(short) > SHORT_NAME_MAX:
        raise arm_bad_request(f"The group short name '{short}' is longer than {SHORT_NAME_MAX} characters.",
                              code="GroupShortNameTooLong")  # fmt: skip
    if not isinstance(props.get("enabled"), bool):
        raise arm_bad_request("The 'enabled' property is required.", code="InvalidRequestContent")
    receivers = []
    for receiver in props.get("emailReceivers") or []:
        address = receiver.get("emailAddress") if isinstance(receiver, dict) else None
        if not isinstance(address, str) or not _EMAIL.match(address) or not receiver.get("name"):
            raise arm_bad_request(f"The email receiver {receiver!r:.80} needs a name and a valid emailAddress.",
                                  code="InvalidEmailReceiver")  # fmt: skip
        receivers.append({"useCommonAlertSchema": False, **receiver, "status": "Enabled"})
    out = {key: [] for key in ("smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers",
                               "automationRunbookReceivers", "voiceReceivers", "logicAppReceivers",
                               "azureFunctionReceivers", "armRoleReceivers", "eventHubReceivers")}  # fmt: skip
    return {**out, **props, "emailReceivers": receivers}


def _activity_alert(ctx: ArmContext, props: dict[str, Any]) -> dict[str, Any]:
    scopes = props.get("scopes")
    if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s for s in scopes):
        raise arm_bad_request(
            "The 'scopes' property must list at least one scope.", code="InvalidRequestContent"
        )
    condition = props.get("condition")
    all_of = condition.get("allOf") if isinstance(condition, dict) else None
    if not isinstance(all_of, list) or not all_of:
        raise arm_bad_request("The alert condition must have at least one 'allOf' item.",
                              code="InvalidRequestContent")  # fmt: skip
    _action_groups_exist(ctx, props)
    return {"enabled": True, **props}


def _log_alert(ctx: ArmContext, props: dict[str, Any]) -> dict[str, Any]:
    scopes = props.get("scopes")
    if not isinstance(scopes, list) or len(scopes) != 1:
        raise arm_bad_request("A log alert rule needs exactly one scope.", code="InvalidRequestContent")
    criteria = props.get("criteria")
    all_of = criteria.get("allOf") if isinstance(criteria, dict) else None
    if (
        not isinstance(all_of, list)
        or not all_of
        or not all(isinstance(c, dict) and c.get("query") for c in all_of)
    ):
        raise arm_bad_request("The rule's criteria need a query.", code="InvalidRequestContent")
    for field in ("evaluationFrequency", "windowSize"):
        if not isinstance(props.get(field), str) or not _DURATION.match(props[field]):
            raise arm_bad_request(f"The '{field}' property must be an ISO 8601 duration such as PT5M.",
                                  code="InvalidRequestContent")  # fmt: skip
    if not isinstance(props.get("severity"), int) or not 0 <= props["severity"] <= 4:
        raise arm_bad_request(
            "The 'severity' property must be a number from 0 to 4.", code="InvalidRequestContent"
        )
    _action_groups_exist(ctx, props)
    return {"enabled": True, "autoMitigate": True, **props, "isWorkspaceAlertsStorageConfigured": False}


def _action_groups_exist(ctx: ArmContext, props: dict[str, Any]) -> None:
    actions = props.get("actions") or {}
    groups = actions.get("actionGroups") if isinstance(actions, dict) else None
    for group in groups or []:
        wanted = group.get("actionGroupId", "") if isinstance(group, dict) else str(group)
        if wanted.lower() not in ctx.world.monitor:
            raise arm_bad_request(
                f"The action group '{wanted}' could not be found.", code="ActionGroupNotFound"
            )


# ---- Log Analytics workspaces -------------------------------------------------------------------------


def _workspace_id(req: Request, rg_id: str) -> str:
    return f"{rg_id}/providers/Microsoft.OperationalInsights/workspaces/{req.params['name']}"


def get_workspace(ctx: ArmContext, req: Request) -> Reply:
    ctx.subscription(req.params["sub"])
    ctx.require(f"{WORKSPACE_TYPE}/read", _scope(req))
    found = ctx.world.monitor.get(_workspace_id(req, _rg_id(ctx, req)).lower())
    if found is None:
        raise arm_not_found(WORKSPACE_TYPE, req.params["name"], req.params["rg"])
    return Reply(200, resource_json(found))


def list_workspaces(ctx: ArmContext, req: Request) -> Reply:
    ctx.subscription(req.params["sub"])
    ctx.require(f"{WORKSPACE_TYPE}/read", _scope(req))
    prefix = _rg_id(ctx, req).lower() + "/"
    found = [resource_json(r) for k, r in sorted(ctx.world.monitor.items())
             if r.type == WORKSPACE_TYPE and k.startswith(prefix)]  # fmt: skip
    return Reply(200, {"value": found})


def put_workspace(ctx: ArmContext, req: Request) -> Reply:
    ctx.subscription(req.params["sub"])
    ctx.require(f"{WORKSPACE_TYPE}/write", _scope(req))
    rg_id = _rg_id(ctx, req)
    name = req.params["name"]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]", name):
        raise arm_bad_request(
            f"Workspace name '{name}' is not valid: 4-63 letters, digits and hyphens, starting and ending with "
            "a letter or digit.", code="InvalidWorkspaceName",
        )  # fmt: skip
    body = _body(req)
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise arm_bad_request("The 'location' property is required.", code="LocationRequired")
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    resource_id = _workspace_id(req, rg_id)
    existing = ctx.world.monitor.get(resource_id.lower())
    stamp = ctx.now_iso()
    base = existing.properties if existing else {
        "customerId": ctx.world.new_guid(), "provisioningState": "Succeeded", "sku": {"name": "PerGB2018"},
        "retentionInDays": 30, "features": {"legacy": 0, "searchVersion": 1,
                                            "enableLogAccessUsingOnlyResourcePermissions": True},
        "workspaceCapping": {"dailyQuotaGb": -1.0, "dataIngestionStatus": "RespectQuota"},
        "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled",
        "createdDate": stamp,
    }  # fmt: skip
    merged = {**base, **{k: v for k, v in props.items() if k not in ("customerId", "provisioningState")},
              "modifiedDate": stamp}  # fmt: skip
    retention = merged.get("retentionInDays")
    if not isinstance(retention, int) or not 30 <= retention <= 730:
        raise arm_bad_request("retentionInDays must be between 30 and 730.", code="InvalidParameter")
    if existing is not None and existing.location.lower() != location.lower():
        raise arm_error(409, "InvalidResourceLocation",
                        f"The resource '{name}' already exists in location '{existing.location}'.")  # fmt: skip
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
    stored = MonitorResource(id=resource_id, type=WORKSPACE_TYPE, name=name, properties=merged,
                             location=location, tags=tags)  # fmt: skip
    ctx.world.monitor[resource_id.lower()] = stored
    ctx.world.changed()
    return Reply(200 if existing else 201, resource_json(stored))


def delete_workspace(ctx: ArmContext, req: Request) -> Reply:
    ctx.subscription(req.params["sub"])
    ctx.require(f"{WORKSPACE_TYPE}/delete", _scope(req))
    resource_id = _workspace_id(req, _rg_id(ctx, req))
    if resource_id.lower() not in ctx.world.monitor:
        return Reply(204)
    locks.refuse_delete(ctx.world, resource_id)
    del ctx.world.monitor[resource_id.lower()]
    ctx.world.changed()
    return Reply(200)


# ---- diagnostic settings on a vault -------------------------------------------------------------------


def _vault_id(ctx: ArmContext, req: Request) -> str:
    sub = ctx.subscription(req.params["sub"]).subscription_id
    group = ctx.resource_group(sub, req.params["rg"])
    vault = ctx.world.vault(req.params["vault"])
    if vault is None or vault.subscription_id != sub or vault.resource_group.lower() != group.name.lower():
        raise arm_not_found("Microsoft.KeyVault/vaults", req.params["vault"], req.params["rg"])
    return vault.id


def _setting_id(vault_id: str, name: str) -> str:
    # ARM answers with the provider namespace in lower case here (az monitor diagnostic-settings show).
    return f"{vault_id}/providers/microsoft.insights/diagnosticSettings/{name}"


def get_setting(ctx: ArmContext, req: Request) -> Reply:
    vault_id = _vault_id(ctx, req)
    ctx.require("Microsoft.Insights/diagnosticSettings/read", vault_id)
    found = ctx.world.monitor.get(_setting_id(vault_id, req.params["name"]).lower())
    if found is None:
        raise arm_error(
            404, "ResourceNotFound", f"The diagnostic setting '{req.params['name']}' doesn't exist."
        )
    return Reply(200, resource_json(found))


def list_settings(ctx: ArmContext, req: Request) -> Reply:
    vault_id = _vault_id(ctx, req)
    ctx.require("Microsoft.Insights/diagnosticSettings/read", vault_id)
    prefix = f"{vault_id}/providers/microsoft.insights/diagnosticsettings/".lower()
    found = [resource_json(r) for k, r in sorted(ctx.world.monitor.items()) if k.startswith(prefix)]
    return Reply(200, {"value": found})


def put_setting(ctx: ArmContext, req: Request) -> Reply:
    vault_id = _vault_id(ctx, req)
    ctx.require("Microsoft.Insights/diagnosticSettings/write", vault_id)
    props = dict(_properties(_body(req)))
    workspace = props.get("workspaceId")
    if not any(props.get(k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId",
                                      "marketplacePartnerId")):  # fmt: skip
        raise arm_bad_request("At least one destination (workspaceId, storageAccountId, eventHubAuthorizationRuleId) "
                              "must be set.", code="BadRequest")  # fmt: skip
    if workspace and (not isinstance(workspace, str) or not _WORKSPACE_ID.match(workspace)):
        raise arm_bad_request(f"Resource id '{workspace}' is not a valid Log Analytics workspace id.",
                              code="LinkedInvalidPropertyId")  # fmt: skip
    logs = props.get("logs") or []
    for entry in logs:
        category = (entry or {}).get("category") if isinstance(entry, dict) else None
        group = (entry or {}).get("categoryGroup") if isinstance(entry, dict) else None
        if (
            category
            and category not in KEY_VAULT_LOG_CATEGORIES
            or group
            and group not in KEY_VAULT_CATEGORY_GROUPS
        ):
            raise arm_bad_request(f"Category '{category or group}' is not supported.", code="BadRequest")
        if not category and not group:
            raise arm_bad_request("Each log setting needs a category or a categoryGroup.", code="BadRequest")
    props.setdefault("metrics", [])
    props.setdefault("logAnalyticsDestinationType", None)
    resource_id = _setting_id(vault_id, req.params["name"])
    stored = MonitorResource(id=resource_id, type=DIAGNOSTIC_TYPE, name=req.params["name"], properties=props)
    ctx.world.monitor[resource_id.lower()] = stored
    ctx.world.changed()
    return Reply(200, resource_json(stored))


def delete_setting(ctx: ArmContext, req: Request) -> Reply:
    vault_id = _vault_id(ctx, req)
    ctx.require("Microsoft.Insights/diagnosticSettings/delete", vault_id)
    if ctx.world.monitor.pop(_setting_id(vault_id, req.params["name"]).lower(), None) is None:
        return Reply(204)
    ctx.world.changed()
    return Reply(200)


ROUTES = (
    route("GET", _VAULT_DS, list_settings),
    route("GET", _VAULT_DS + "/{name}", get_setting),
    route("PUT", _VAULT_DS + "/{name}", put_setting),
    route("DELETE", _VAULT_DS + "/{name}", delete_setting),
    route("GET", _RG + "/Microsoft.Insights/{kind}", list_insights),
    route("GET", _RG + "/Microsoft.Insights/{kind}/{name}", get_insights),
    route("PUT", _RG + "/Microsoft.Insights/{kind}/{name}", put_insights),
    route("DELETE", _RG + "/Microsoft.Insights/{kind}/{name}", delete_insights),
    route("GET", _RG + "/Microsoft.OperationalInsights/workspaces", list_workspaces),
    route("GET", _RG + "/Microsoft.OperationalInsights/workspaces/{name}", get_workspace),
    route("PUT", _RG + "/Microsoft.OperationalInsights/workspaces/{name}", put_workspace),
    route("DELETE", _RG + "/Microsoft.OperationalInsights/workspaces/{name}", delete_workspace),
)
