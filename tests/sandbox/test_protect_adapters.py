"""The protect step's adapters (locks, Azure Monitor, Log Analytics) with the real SDK clients against the
sandbox: what they create is stored, listed and read back, and Azure's refusals arrive translated."""

from __future__ import annotations

import pytest

from byok_tui.azure import locks, monitor, rbac, vaults
from byok_tui.errors import AzureError
from byok_tui.sandbox import Sandbox
from byok_tui.sandbox.world import ManagementLock

RG = "rg-contoso-prod"


async def _vault(sb: Sandbox, name: str = "kv-protect-1"):
    return await vaults.create_vault(sb.connection(), sb.subscription_id, RG, name, location="eastus",
                                     sku="standard", tenant_id=sb.tenant_id)  # fmt: skip


async def test_a_lock_is_created_listed_adopted_and_removed(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    assert await locks.list_locks(conn, sub, vault.id) == []
    made = await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete", notes="Kore.ai BYOK key")
    assert (made.name, made.level, made.notes) == ("byok-do-not-delete", "CanNotDelete", "Kore.ai BYOK key")
    assert made.scope.lower() == vault.id.lower() and made.request_id
    again = await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete", notes="Kore.ai BYOK key")
    assert again.id == made.id
    assert [lock.name for lock in await locks.list_locks(conn, sub, vault.id)] == ["byok-do-not-delete"]
    await locks.delete_lock(conn, sub, vault.id, "byok-do-not-delete")
    await locks.delete_lock(conn, sub, vault.id, "byok-do-not-delete")  # gone already: no error
    assert await locks.list_locks(conn, sub, vault.id) == []


async def test_a_lock_on_the_resource_group_counts_for_the_vault(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    group = f"/subscriptions/{sub}/resourceGroups/{RG}"
    sb.world.locks[f"{group}/providers/microsoft.authorization/locks/rg-lock".lower()] = ManagementLock(
        name="rg-lock", scope=group, level="CanNotDelete")  # fmt: skip
    found = await locks.list_locks(conn, sub, vault.id)
    assert [(lock.name, lock.scope) for lock in found] == [("rg-lock", group)]


async def test_the_locked_vault_refuses_deletion_with_scope_locked(sb):
    from azure.core.exceptions import HttpResponseError

    from byok_tui.azure import clients

    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete")
    async with clients.keyvault_mgmt(conn, sub) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.delete(RG, vault.name)
    assert info.value.status_code == 409 and info.value.error.code == "ScopeLocked"
    assert "cannot perform delete operation because following scope(s) are locked" in info.value.message
    assert sb.world.vault(vault.name) is not None
    # Kore's role at the vault's scope is kept too.
    kore = sb.world.create_service_principal(sb.kore_client_id)
    assignment, _ = await rbac.assign_role(conn, sub, vault.id, rbac.KEY_VAULT_CRYPTO_USER, kore.object_id,
                                           principal_type="ServicePrincipal")  # fmt: skip
    async with clients.authorization(conn, sub) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.delete(vault.id, assignment.id.rsplit("/", 1)[-1])
    assert info.value.status_code == 409 and info.value.error.code == "ScopeLocked"
    # And the resource group that holds it.
    async with clients.resources(conn, sub) as client:
        with pytest.raises(HttpResponseError) as info:
            poller = await client.resource_groups.begin_delete(RG)
            await poller.result()
    assert info.value.status_code == 409 and info.value.error.code == "ScopeLocked"
    # Without the lock the vault goes as before.
    await locks.delete_lock(conn, sub, vault.id, "byok-do-not-delete")
    async with clients.keyvault_mgmt(conn, sub) as client:
        await client.vaults.delete(RG, vault.name)
    assert sb.world.vault(vault.name) is None


async def test_an_operator_without_lock_rights_is_refused():
    sb = Sandbox.create("no-locks")
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb, "kv-nolocks-1")  # Contributor may create the vault …
    with pytest.raises(AzureError) as info:  # … but not lock it
        await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete")
    assert info.value.status == 403 and info.value.code == "AuthorizationFailed"
    assert "Microsoft.Authorization/locks/write" in info.value.detail
    # Alerts need no more than Contributor.
    group = await monitor.put_action_group(
        conn, sub, RG, "ag-byok", short_name="byok", emails=["a@contoso.com"]
    )
    assert group.enabled


async def test_action_group_and_activity_alerts_round_trip(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    assert await monitor.get_action_group(conn, sub, RG, "ag-byok") is None
    group = await monitor.put_action_group(conn, sub, RG, "ag-byok", short_name="byok-kv",
                                           emails=["secops@contoso.com", "alex.admin@contoso.com"])  # fmt: skip
    assert group.emails == ("secops@contoso.com", "alex.admin@contoso.com") and group.request_id
    assert (await monitor.get_action_group(conn, sub, RG, "ag-byok")).id == group.id
    alert = await monitor.put_activity_alert(conn, sub, RG, "byok-vault-delete", scope=vault.id,
                                             operation="Microsoft.KeyVault/vaults/delete", action_group_id=group.id,
                                             description="The vault holding Kore's key is being deleted")  # fmt: skip
    assert alert.operations == ("Microsoft.KeyVault/vaults/delete",)
    assert alert.scopes == (vault.id,) and alert.action_group_ids == (group.id,) and alert.enabled
    listed = await monitor.list_activity_alerts(conn, sub, RG)
    assert [a.name for a in listed] == ["byok-vault-delete"]
    await monitor.delete_activity_alert(conn, sub, RG, "byok-vault-delete")
    assert await monitor.list_activity_alerts(conn, sub, RG) == []
    with pytest.raises(AzureError) as info:
        await monitor.put_action_group(conn, sub, RG, "ag-2", short_name="much-too-long-name", emails=[])
    assert info.value.status == 400


async def test_workspace_diagnostic_setting_and_log_alert(sb):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    assert await monitor.get_workspace(conn, sub, RG, "law-byok") is None
    workspace = await monitor.create_workspace(conn, sub, RG, "law-byok", location="eastus")
    assert workspace.customer_id and workspace.retention_days == 30 and workspace.sku == "PerGB2018"
    assert [w.name for w in await monitor.list_workspaces(conn, sub, RG)] == ["law-byok"]
    assert await monitor.get_diagnostic_setting(conn, sub, vault.id, "byok-audit") is None
    setting = await monitor.put_diagnostic_setting(conn, sub, vault.id, "byok-audit", workspace_id=workspace.id,
                                                   categories=["AuditEvent"])  # fmt: skip
    assert setting.workspace_id == workspace.id and setting.categories == ("AuditEvent",)
    assert (
        await monitor.get_diagnostic_setting(conn, sub, vault.id, "byok-audit")
    ).workspace_id == workspace.id
    group = await monitor.put_action_group(
        conn, sub, RG, "ag-byok", short_name="byok", emails=["a@contoso.com"]
    )
    rule = await monitor.put_log_alert(conn, sub, RG, "byok-key-events", location="eastus",
                                       workspace_id=workspace.id, query="AzureDiagnostics | take 1",
                                       action_group_id=group.id, description="Kore's key changed")  # fmt: skip
    assert rule.kind == "log" and rule.scopes == (workspace.id,) and rule.query == "AzureDiagnostics | take 1"
    assert [r.name for r in await monitor.list_log_alerts(conn, sub, RG)] == ["byok-key-events"]
    await monitor.delete_diagnostic_setting(conn, sub, vault.id, "byok-audit")
    assert await monitor.get_diagnostic_setting(conn, sub, vault.id, "byok-audit") is None
    await monitor.delete_log_alert(conn, sub, RG, "byok-key-events")
    await monitor.delete_action_group(conn, sub, RG, "ag-byok")


async def test_protections_survive_a_save_and_load(sb, tmp_path):
    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete")
    await monitor.put_action_group(conn, sub, RG, "ag-byok", short_name="byok", emails=["a@contoso.com"])
    path = sb.save(tmp_path / "world.json")
    again = Sandbox.load(path)
    conn2 = again.connection()
    assert [lock.name for lock in await locks.list_locks(conn2, sub, vault.id)] == ["byok-do-not-delete"]
    assert (await monitor.get_action_group(conn2, sub, RG, "ag-byok")).emails == ("a@contoso.com",)


async def test_a_scope_locked_refusal_is_translated_with_the_way_out(sb):
    from byok_tui.azure import clients
    from byok_tui.azure.errors import azure_errors

    conn, sub = sb.connection(), sb.subscription_id
    vault = await _vault(sb)
    await locks.create_lock(conn, sub, vault.id, "byok-do-not-delete")
    with pytest.raises(AzureError) as info, azure_errors(f"delete key vault {vault.name}"):
        async with clients.keyvault_mgmt(conn, sub) as client:
            await client.vaults.delete(RG, vault.name)
    assert info.value.code == "ScopeLocked" and info.value.status == 409 and info.value.request_id
    assert "az lock delete" in info.value.remedy
