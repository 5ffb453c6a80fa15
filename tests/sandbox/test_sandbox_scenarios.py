"""The named scenarios: what each contains, that it is deterministic, and that it survives save/load."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.keyvault.keys.aio import KeyClient
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from msgraph.generated.models.service_principal import ServicePrincipal

from byok_tui.sandbox import SCENARIOS, Sandbox, scenarios
from byok_tui.sandbox.persist import to_jsonable
from byok_tui.sandbox.scenarios import KORE_PRIVATE_ENDPOINT_ID

from .conftest import graph_client


def without_key_material(data):
    """RSA keys are truly random; everything else in a scenario is fixed."""
    if isinstance(data, dict):
        return {k: without_key_material(v) for k, v in data.items() if k not in ("private_pem", "n")}
    if isinstance(data, list):
        return [without_key_material(v) for v in data]
    return data


def test_every_scenario_is_deterministic():
    assert list(SCENARIOS) == ["default", "existing-vault", "restricted", "private-endpoint", "big-account",
                               "no-locks"]  # fmt: skip
    for name in SCENARIOS:
        first, second = (without_key_material(to_jsonable(Sandbox.create(name).world)) for _ in range(2))
        assert first == second, name


def test_no_locks_may_do_every_step_but_lock():
    sb = Sandbox.create("no-locks")
    from byok_tui.sandbox.authorization import allowed

    sub = f"/subscriptions/{sb.subscription_id}"
    for who in (sb.operator_object_id, scenarios.AUTOMATION_SP_ID):
        assert allowed(sb.world, who, "Microsoft.KeyVault/vaults/write", sub)
        assert allowed(sb.world, who, "Microsoft.Authorization/roleAssignments/write", sub)
        assert allowed(sb.world, who, "Microsoft.Insights/activityLogAlerts/write", sub)
        assert not allowed(sb.world, who, "Microsoft.Authorization/locks/write", sub)
    assert sb.world.operator.directory_roles == ["Application Administrator"]


def test_default():
    sb = Sandbox.create("default")
    operator = sb.world.operator
    assert operator.directory_roles == ["Application Administrator"]
    owner = ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", f"/subscriptions/{sb.subscription_id}")
    assert [(a.principal_id, a.role_definition_id, a.scope) for a in sb.world.role_assignments.values()] == [
        (sb.operator_object_id, *owner),
        (scenarios.AUTOMATION_SP_ID, *owner),
    ]
    automation = sb.world.principal(scenarios.AUTOMATION_SP_ID)
    assert (automation.kind, automation.app_id, automation.ip) == (
        "ServicePrincipal", scenarios.AUTOMATION_CLIENT_ID, sb.operator_ip,
    )  # fmt: skip
    assert automation.app_roles == ["Directory.Read.All", "Application.ReadWrite.All"]
    assert sb.automation_client()[:2] == (sb.tenant_id, scenarios.AUTOMATION_CLIENT_ID)
    app = sb.world.applications[sb.kore_client_id]
    assert (app.display_name, app.sign_in_audience, app.trusted_service) == (
        "Kore.ai BYOK",
        "AzureADMultipleOrgs",
        False,
    )
    assert sb.kore_service_principal_id is None and not sb.world.vaults
    assert len(sb.world.kore.bots) == 30


async def test_restricted_operator_can_neither_assign_roles_nor_create_the_sp():
    sb = Sandbox.create("restricted")
    assert sb.world.operator.directory_roles == []
    async with AuthorizationManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as authz:
        with pytest.raises(HttpResponseError) as info:
            await authz.role_assignments.create(
                f"/subscriptions/{sb.subscription_id}",
                str(uuid.uuid4()),
                {
                    "properties": {
                        "roleDefinitionId": f"/subscriptions/{sb.subscription_id}/providers/Microsoft.Authorization/"
                        "roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424",
                        "principalId": sb.operator_object_id,
                    }
                },
            )
    assert (info.value.status_code, info.value.error.code) == (403, "AuthorizationFailed")
    assert "Microsoft.Authorization/roleAssignments/write" in info.value.error.message
    client, http = graph_client(sb)
    async with http:
        with pytest.raises(Exception) as denied:
            await client.service_principals.post(ServicePrincipal(app_id=sb.kore_client_id))
    assert denied.value.response_status_code == 403
    async with KeyVaultManagementClient(sb.credential(), sb.subscription_id, transport=sb.transport()) as kv:
        poller = await kv.vaults.begin_create_or_update(
            "rg-contoso-prod",
            "kv-restricted-1",
            {
                "location": "eastus",
                "properties": {"tenantId": sb.tenant_id, "sku": {"family": "A", "name": "standard"}},
            },
        )
        assert (await poller.result()).name == "kv-restricted-1"  # Contributor may still create vaults


async def test_private_endpoint_scenario():
    sb = Sandbox.create("private-endpoint")
    vault = sb.world.vault("kv-contoso-cmk")
    assert vault.rbac and vault.properties["enablePurgeProtection"] is True
    (connection,) = vault.private_endpoint_connections
    assert (connection.status, connection.private_endpoint_id) == ("Pending", KORE_PRIVATE_ENDPOINT_ID)
    async with KeyClient(
        "https://kv-contoso-cmk.vault.azure.net", sb.credential(), transport=sb.transport()
    ) as keys:
        key = await keys.get_key("kore-cmk")
    assert (key.key_type, key.properties.recovery_level) == ("RSA", "Recoverable")
    assert len(key.key.n) == 384  # 3072 bits


def test_existing_vault_and_big_account():
    legacy = Sandbox.create("existing-vault")
    assert legacy.world.vault("kv-contoso-legacy") is not None and len(legacy.world.kore.bots) == 30
    big = Sandbox.create("big-account")
    assert len(big.world.kore.bots) == 5000
    assert big.world.kore.bots[:30] == Sandbox.create().world.kore.bots  # bot i is the same everywhere


async def test_save_and_load_keep_sps_bots_and_connections(tmp_path):
    sb = Sandbox.create("private-endpoint")
    sp = sb.world.grant_admin_consent(sb.kore_client_id)
    path = sb.save(tmp_path / "world.json")
    again = Sandbox.load(path)
    assert to_jsonable(again.world) == to_jsonable(sb.world)
    assert again.kore_service_principal_id == sp.object_id
    assert (
        again.world.kore.bots == sb.world.kore.bots
        and again.kore_api_client_secret == sb.kore_api_client_secret
    )
    assert again.world.vault("kv-contoso-cmk").private_endpoint_connections[0].status == "Pending"
    assert again.world.applications[sb.kore_client_id].private_endpoint_ids == [KORE_PRIVATE_ENDPOINT_ID]


def test_the_connection_carries_every_transport(sb):
    conn = sb.connection()
    assert conn.graph_transport_factory() is not conn.graph_transport_factory()
    assert conn.kore_transport_factory is not None


def test_a_world_saved_before_kore_existed_gets_the_default_account(tmp_path):
    import json

    path = Sandbox.create().save(tmp_path / "old.json")
    data = json.loads(path.read_text())
    del data["world"]["kore"]
    path.write_text(json.dumps(data))
    old = Sandbox.load(path)
    assert old.kore_host == "bots.kore.ai.sandbox" and len(old.world.kore.bots) == 30
