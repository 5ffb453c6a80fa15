"""The sandbox's locks, Azure Monitor and Log Analytics at the HTTP level: the status codes, headers and error
bodies Azure answers with (ScopeLocked, AuthorizationFailed, LockNotFound, 204 for what is gone), and the
paths the SDKs send (an empty parent path `Microsoft.KeyVault//vaults`, the generic `//subscriptions` by id)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from byok_tui.sandbox import Sandbox
from tests.sandbox.conftest import create_vault

ARM = "https://management.azure.com"
RG = "rg-contoso-prod"
LOCKS_API = "2020-05-01"


async def call(sb: Sandbox, method: str, path: str, api: str, body=None, principal: str | None = None):
    token = (await sb.credential(principal).get_token("https://management.azure.com/.default")).token
    headers = [("Authorization", f"Bearer {token}")]
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        headers.append(("Content-Type", "application/json"))
    status, reply_headers, raw = sb.dispatch(method, f"{ARM}{path}?api-version={api}", headers, data)
    return status, {k.lower(): v for k, v in reply_headers.items()}, (json.loads(raw) if raw else None)


def vault_path(sb: Sandbox, name: str, sdk_form: bool = False) -> str:
    # The SDK's resource-level lock calls leave the parent path empty: `Microsoft.KeyVault//vaults`.
    provider = "Microsoft.KeyVault//vaults" if sdk_form else "Microsoft.KeyVault/vaults"
    return f"/subscriptions/{sb.subscription_id}/resourcegroups/{RG}/providers/{provider}/{name}"


async def test_lock_put_get_list_delete_shapes(sb):
    vault = await create_vault(sb, "kv-http-lock")
    lock = vault_path(sb, vault.name, sdk_form=True) + "/providers/Microsoft.Authorization/locks/byok-lock"
    status, headers, body = await call(
        sb, "PUT", lock, LOCKS_API, {"properties": {"level": "CanNotDelete", "notes": "Kore BYOK"}}
    )
    assert (
        status == 201
        and headers["x-ms-request-id"]
        and headers["content-type"].startswith("application/json")
    )
    assert body == {
        "properties": {"level": "CanNotDelete", "notes": "Kore BYOK"},
        "id": f"{vault.id}/providers/Microsoft.Authorization/locks/byok-lock",
        "type": "Microsoft.Authorization/locks",
        "name": "byok-lock",
    }
    status, _, again = await call(sb, "PUT", lock, LOCKS_API, {"properties": {"level": "CanNotDelete"}})
    assert status == 200 and "notes" not in again["properties"]
    status, _, listed = await call(sb, "GET", vault_path(sb, vault.name) + "/providers/Microsoft.Authorization/locks",
                                   LOCKS_API)  # fmt: skip
    assert status == 200 and [item["name"] for item in listed["value"]] == ["byok-lock"]
    assert (await call(sb, "DELETE", lock, LOCKS_API))[0] == 200
    assert (await call(sb, "DELETE", lock, LOCKS_API))[0] == 204
    status, _, missing = await call(sb, "GET", lock, LOCKS_API)
    assert status == 404 and missing["error"]["code"] == "LockNotFound"


@pytest.mark.parametrize("level", ["Nope", None])
async def test_a_bad_lock_level_is_refused(sb, level):
    vault = await create_vault(sb, "kv-http-level")
    lock = vault_path(sb, vault.name) + "/providers/Microsoft.Authorization/locks/l1"
    status, _, body = await call(sb, "PUT", lock, LOCKS_API, {"properties": {"level": level}})
    assert status == 400 and body["error"]["code"] == "LockLevelInvalid"


async def test_scope_locked_body_names_both_scopes(sb):
    vault = await create_vault(sb, "kv-http-locked")
    group = f"/subscriptions/{sb.subscription_id}/resourceGroups/{RG}"
    await call(sb, "PUT", group + "/providers/Microsoft.Authorization/locks/rg-lock", LOCKS_API,
               {"properties": {"level": "CanNotDelete"}})  # fmt: skip
    status, headers, body = await call(sb, "DELETE", vault_path(sb, vault.name), "2026-05-15")
    assert status == 409 and headers["x-ms-request-id"]
    assert body == {"error": {
        "code": "ScopeLocked",
        "message": f"The scope '/subscriptions/{sb.subscription_id}/resourceGroups/{RG}/providers/Microsoft.KeyVault"
        f"/vaults/{vault.name}' cannot perform delete operation because following scope(s) are locked: "
        f"'/subscriptions/{sb.subscription_id}/resourcegroups/{RG}'. Please remove the lock and try again.",
    }}  # fmt: skip
    assert sb.world.vault(vault.name) is not None


async def test_a_lock_below_a_role_assignment_does_not_hold_it(sb):
    """A lock on the vault keeps assignments at the vault (and under it), not those above it."""
    vault = await create_vault(sb, "kv-http-ra")
    await call(sb, "PUT", vault.id + "/providers/Microsoft.Authorization/locks/l", LOCKS_API,
               {"properties": {"level": "CanNotDelete"}})  # fmt: skip
    above = sb.world.assign_role(
        sb.operator_object_id, "Reader", f"/subscriptions/{sb.subscription_id}/resourceGroups/{RG}"
    )
    at = sb.world.assign_role(sb.operator_object_id, "Key Vault Reader", vault.id)
    path = "/providers/Microsoft.Authorization/roleAssignments/"
    status, _, body = await call(sb, "DELETE", vault.id + path + at.name, "2022-04-01")
    assert status == 409 and body["error"]["code"] == "ScopeLocked"
    assert (await call(sb, "DELETE", above.scope + path + above.name, "2022-04-01"))[0] == 200


async def test_no_locks_scenario_refuses_the_lock_as_azure_does():
    sb = Sandbox.create("no-locks")
    vault = await create_vault(sb, "kv-http-nolock")
    lock = vault.id + "/providers/Microsoft.Authorization/locks/l"
    status, _, body = await call(sb, "PUT", lock, LOCKS_API, {"properties": {"level": "CanNotDelete"}})
    assert status == 403 and body["error"]["code"] == "AuthorizationFailed"
    assert "'Microsoft.Authorization/locks/write'" in body["error"]["message"]
    assert f"over scope '{vault.id}'" in body["error"]["message"]


async def test_activity_alert_needs_an_existing_action_group_and_a_condition(sb):
    vault = await create_vault(sb, "kv-http-alert")
    base = f"/subscriptions/{sb.subscription_id}/resourceGroups/{RG}/providers/Microsoft.Insights"
    body = {"location": "Global", "properties": {
        "scopes": [vault.id], "condition": {"allOf": [{"field": "operationName", "equals": "X"}]},
        "actions": {"actionGroups": [{"actionGroupId": base + "/actionGroups/missing"}]}}}  # fmt: skip
    status, _, refused = await call(sb, "PUT", base + "/activityLogAlerts/a1", "2020-10-01", body)
    assert status == 400 and refused["error"]["code"] == "ActionGroupNotFound"
    group = {
        "location": "Global",
        "properties": {
            "groupShortName": "byok",
            "enabled": True,
            "emailReceivers": [{"name": "e1", "emailAddress": "a@contoso.com"}],
        },
    }
    status, _, made = await call(sb, "PUT", base + "/actionGroups/ag", "2023-01-01", group)
    assert status == 201 and made["type"] == "Microsoft.Insights/ActionGroups"
    assert made["properties"]["emailReceivers"][0]["status"] == "Enabled"
    body["properties"]["actions"]["actionGroups"][0]["actionGroupId"] = made["id"]
    status, _, alert = await call(sb, "PUT", base + "/activityLogAlerts/a1", "2020-10-01", body)
    assert status == 201 and alert["properties"]["enabled"] is True and alert["location"] == "Global"
    no_condition = {**body, "properties": {**body["properties"], "condition": {"allOf": []}}}
    assert (await call(sb, "PUT", base + "/activityLogAlerts/a2", "2020-10-01", no_condition))[0] == 400
    status, _, missing = await call(sb, "GET", base + "/activityLogAlerts/nope", "2020-10-01")
    assert status == 404 and missing["error"]["code"] == "ResourceNotFound"
    assert (await call(sb, "DELETE", base + "/activityLogAlerts/nope", "2020-10-01"))[0] == 204


async def test_diagnostic_settings_by_id_and_their_refusals(sb):
    vault = await create_vault(sb, "kv-http-diag")
    setting = (
        "/" + vault.id + "/providers/Microsoft.Insights/diagnosticSettings/" + quote("audit")
    )  # `//subs…`
    workspace = f"/subscriptions/{sb.subscription_id}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/law1"
    status, _, refused = await call(sb, "PUT", setting, "2021-05-01-preview", {"properties": {"logs": []}})
    assert status == 400 and refused["error"]["code"] == "BadRequest"
    bad = {"properties": {"workspaceId": workspace, "logs": [{"category": "Nope", "enabled": True}]}}
    assert (await call(sb, "PUT", setting, "2021-05-01-preview", bad))[0] == 400
    good = {"properties": {"workspaceId": workspace, "logs": [{"category": "AuditEvent", "enabled": True}]}}
    status, _, made = await call(sb, "PUT", setting, "2021-05-01-preview", good)
    assert status == 200 and made["id"] == vault.id + "/providers/microsoft.insights/diagnosticSettings/audit"
    assert "location" not in made and made["properties"]["metrics"] == []


async def test_monitor_writes_need_a_monitoring_role(sb):
    """Reader may look but not write; Monitoring Contributor at the group is enough for alerts."""
    reader = sb.world.add_principal("Riley Reader")
    scope = f"/subscriptions/{sb.subscription_id}/resourceGroups/{RG}"
    sb.world.assign_role(reader.object_id, "Reader", scope)
    group = {"location": "Global", "properties": {"groupShortName": "byok", "enabled": True}}
    path = scope + "/providers/Microsoft.Insights/actionGroups/ag"
    status, _, body = await call(sb, "PUT", path, "2023-01-01", group, principal=reader.object_id)
    assert status == 403 and "Microsoft.Insights/actionGroups/write" in body["error"]["message"]
    sb.world.assign_role(reader.object_id, "Monitoring Contributor", scope)
    assert (await call(sb, "PUT", path, "2023-01-01", group, principal=reader.object_id))[0] == 201


async def test_rotation_policy_default_set_and_refusals():
    sb = Sandbox.create("private-endpoint")
    token = (await sb.credential().get_token("https://vault.azure.net/.default")).token
    url = "https://kv-contoso-cmk.vault.azure.net/keys/kore-cmk/rotationpolicy?api-version=2025-07-01"

    def send(method, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        status, _, raw = sb.dispatch(method, url, [("Authorization", f"Bearer {token}"),
                                                   ("Content-Type", "application/json")], data)  # fmt: skip
        return status, json.loads(raw) if raw else None

    status, default = send("GET")
    assert status == 200 and default["lifetimeActions"] == [
        {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]  # fmt: skip
    assert "id" not in default and default["attributes"] == {}  # never set: no id, no timestamps
    notify_after_create = {
        "lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Notify"}}]
    }
    status, body = send("PUT", notify_after_create)
    assert status == 400 and body["error"]["code"] == "BadParameter"
    too_close = {"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P3D"}, "action": {"type": "Notify"}}]}
    assert send("PUT", too_close)[0] == 400
    ok = {
        "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P14D"}, "action": {"type": "Notify"}}],
        "attributes": {"expiryTime": "P1Y"},
    }
    status, body = send("PUT", ok)
    assert status == 200 and body["attributes"]["expiryTime"] == "P1Y" and body["attributes"]["created"]
    assert body["id"] == "https://kv-contoso-cmk.vault.azure.net/keys/kore-cmk/rotationpolicy"
