"""Microsoft.Authorization through the real client: role definitions, assignments, inheritance."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from byok_tui.sandbox import scenarios

from .conftest import create_vault

BUILT_INS = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
}


def authz(sb, principal=None):
    return AuthorizationManagementClient(
        sb.credential(principal), sb.subscription_id, transport=sb.transport()
    )


def role_id(sb, name):
    return f"/subscriptions/{sb.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{BUILT_INS[name]}"


def assignment(sb, role, principal, principal_type=None):
    props = {"roleDefinitionId": role_id(sb, role), "principalId": principal}
    if principal_type:
        props["principalType"] = principal_type
    return {"properties": props}


@pytest.fixture
async def vault(sb):
    return await create_vault(sb, "kv-authz-1")


async def test_built_in_role_definitions(sb, vault):
    async with authz(sb) as client:
        for name, guid in BUILT_INS.items():
            found = [d async for d in client.role_definitions.list(vault.id, filter=f"roleName eq '{name}'")]
            assert [(d.name, d.role_name, d.role_type) for d in found] == [(guid, name, "BuiltInRole")]
            assert found[0].id == role_id(sb, name)
        officer = await client.role_definitions.get(vault.id, BUILT_INS["Key Vault Crypto Officer"])
        assert officer.permissions[0].data_actions == [
            "Microsoft.KeyVault/vaults/keys/*",
            "Microsoft.KeyVault/vaults/keyrotationpolicies/*",
        ]
        owner = await client.role_definitions.get_by_id(role_id(sb, "Owner"))
        assert owner.permissions[0].actions == ["*"] and owner.permissions[0].data_actions == []
        with pytest.raises(ResourceNotFoundError) as info:
            await client.role_definitions.get(vault.id, str(uuid.uuid4()))
        assert info.value.error.code == "RoleDefinitionDoesNotExist"


async def test_assignment_create_get_list_delete(sb, vault):
    app = sb.world.add_principal("Kore BYOK", "ServicePrincipal", app_id=sb.kore_client_id)
    name = str(uuid.uuid4())
    seen = {}
    async with authz(sb) as client:
        created = await client.role_assignments.create(
            vault.id,
            name,
            assignment(sb, "Key Vault Crypto User", app.object_id, "ServicePrincipal"),
            raw_response_hook=lambda r: seen.update(status=r.http_response.status_code),
        )
        assert seen["status"] == 201
        assert created.id == f"{vault.id}/providers/Microsoft.Authorization/roleAssignments/{name}"
        assert (created.principal_id, created.principal_type, created.scope) == (
            app.object_id,
            "ServicePrincipal",
            vault.id,
        )
        assert created.role_definition_id == role_id(sb, "Key Vault Crypto User") and created.created_on

        await client.role_assignments.create(
            vault.id,
            name,
            assignment(sb, "Key Vault Crypto User", app.object_id),
            raw_response_hook=lambda r: seen.update(status=r.http_response.status_code),
        )
        assert seen["status"] == 200  # same name, same content: accepted again
        assert (await client.role_assignments.get(vault.id, name)).principal_id == app.object_id

        mine = [
            a
            async for a in client.role_assignments.list_for_scope(
                vault.id, filter=f"principalId eq '{sb.operator_object_id}'"
            )
        ]
        assert [a.scope for a in mine] == [f"/subscriptions/{sb.subscription_id}"]  # inherited Owner
        at_vault = [
            a.name async for a in client.role_assignments.list_for_scope(vault.id, filter="atScope()")
        ]
        inherited = [
            "65355e46-bcb4-4b96-8288-ae8aca7671b2",
            scenarios.AUTOMATION_ROLE_ASSIGNMENT,
        ]  # both Owners
        assert sorted(at_vault) == sorted([name, *inherited])
        everywhere = [a.name async for a in client.role_assignments.list_for_subscription()]
        assert name in everywhere
        at_sub = [
            a.name
            async for a in client.role_assignments.list_for_scope(
                f"/subscriptions/{sb.subscription_id}", filter="atScope()"
            )
        ]
        assert name not in at_sub  # atScope() looks up, never down

        deleted = await client.role_assignments.delete(vault.id, name)
        assert deleted.name == name
        assert await client.role_assignments.delete(vault.id, name) is None
        with pytest.raises(ResourceNotFoundError) as info:
            await client.role_assignments.get(vault.id, name)
        assert info.value.error.code == "RoleAssignmentNotFound"


async def test_assignment_refusals(sb, vault):
    user = sb.world.add_principal("Uma User")
    async with authz(sb) as client:
        await client.role_assignments.create(
            vault.id, str(uuid.uuid4()), assignment(sb, "Key Vault Reader", user.object_id)
        )
        with pytest.raises(ResourceExistsError) as info:
            await client.role_assignments.create(
                vault.id, str(uuid.uuid4()), assignment(sb, "Key Vault Reader", user.object_id)
            )
        assert (info.value.status_code, info.value.error.code) == (409, "RoleAssignmentExists")

        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.create(
                vault.id, str(uuid.uuid4()), assignment(sb, "Key Vault Reader", str(uuid.uuid4()))
            )
        assert (info.value.status_code, info.value.error.code) == (400, "PrincipalNotFound")
        assert f"does not exist in the directory {sb.tenant_id}" in info.value.error.message

        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.create(
                vault.id,
                str(uuid.uuid4()),
                assignment(sb, "Key Vault Crypto User", user.object_id, "ServicePrincipal"),
            )
        assert info.value.error.code == "UnmatchedPrincipalType"

        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.create(
                vault.id, "not-a-guid", assignment(sb, "Reader", user.object_id)
            )
        assert info.value.error.code == "InvalidRoleAssignmentId"

        bogus = {
            "properties": {
                "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{uuid.uuid4()}",
                "principalId": user.object_id,
            }
        }
        with pytest.raises(HttpResponseError) as info:
            await client.role_assignments.create(vault.id, str(uuid.uuid4()), bogus)
        assert info.value.error.code == "RoleDefinitionDoesNotExist"

        with pytest.raises(ResourceNotFoundError) as info:
            await client.role_assignments.create(
                f"{vault.id[:-1]}9", str(uuid.uuid4()), assignment(sb, "Reader", user.object_id)
            )
        assert info.value.error.code == "ResourceNotFound"


@pytest.mark.parametrize(
    "role, can_assign",
    [("Contributor", False), ("Reader", False), ("User Access Administrator", True), ("Owner", True)],
)
async def test_who_may_assign_roles(sb, vault, role, can_assign):
    admin = sb.world.add_principal(f"{role} Person")
    target = sb.world.add_principal("Target Person")
    sb.world.assign_role(admin.object_id, role, f"/subscriptions/{sb.subscription_id}")
    async with authz(sb, admin.object_id) as client:
        call = client.role_assignments.create(
            vault.id, str(uuid.uuid4()), assignment(sb, "Key Vault Crypto User", target.object_id)
        )
        if can_assign:
            assert (await call).principal_id == target.object_id
        else:
            with pytest.raises(HttpResponseError) as info:
                await call
            assert (info.value.status_code, info.value.error.code) == (403, "AuthorizationFailed")
            assert "'Microsoft.Authorization/roleAssignments/write'" in info.value.error.message


async def test_roles_apply_below_their_scope_only(sb):
    inside = await create_vault(sb, "kv-inside-1", rg="rg-shared-security", location="westeurope")
    outside = await create_vault(sb, "kv-outside-1")
    reader = sb.world.add_principal("Scoped Reader")
    sb.world.assign_role(
        reader.object_id, "Reader", f"/subscriptions/{sb.subscription_id}/resourceGroups/rg-shared-security"
    )
    async with KeyVaultManagementClient(
        sb.credential(reader.object_id), sb.subscription_id, transport=sb.transport()
    ) as client:
        assert (await client.vaults.get("rg-shared-security", inside.name)).name == inside.name
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.get("rg-contoso-prod", outside.name)
        assert info.value.error.code == "AuthorizationFailed"
        assert [v.name async for v in client.vaults.list_by_subscription()] == [inside.name]
    async with authz(sb, reader.object_id) as client:
        perms = [p async for p in client.permissions.list_for_resource_group("rg-shared-security")]
        assert [p.actions for p in perms] == [["*/read"]]


async def test_tenant_level_definitions_are_readable_by_anyone_signed_in(sb):
    stranger = sb.world.add_principal("No Roles")
    guid = BUILT_INS["Key Vault Crypto User"]
    async with authz(sb, stranger.object_id) as client:
        role = await client.role_definitions.get_by_id(
            f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        )
        assert role.id == f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        with pytest.raises(HttpResponseError) as info:
            await client.role_definitions.get_by_id(role_id(sb, "Key Vault Crypto User"))
        assert info.value.error.code == "AuthorizationFailed"
