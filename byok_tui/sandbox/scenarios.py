"""Named starting worlds. Fixed GUIDs and names keep screens and snapshots stable from run to run."""

from __future__ import annotations

from collections.abc import Callable

from byok_tui.sandbox import keycrypto, vault_properties
from byok_tui.sandbox.world import (
    Application,
    Key,
    KeyVersion,
    ResourceGroup,
    Subscription,
    Tenant,
    Vault,
    World,
)

TENANT_ID = "9e7bbb39-752e-4401-b07f-74c98790c149"
SUBSCRIPTION_ID = "37c739ce-b607-45bd-9934-2f6990e16d13"
OPERATOR_ID = "8cf7f5eb-1184-472b-9d61-cb23874b93fe"
OPERATOR_IP = "203.0.113.10"
OPERATOR_OWNER_ASSIGNMENT = "65355e46-bcb4-4b96-8288-ae8aca7671b2"
KORE_CLIENT_ID = "c510eb08-865c-4925-8a0b-c84b69289503"
KORE_HOME_TENANT_ID = "673c65d5-5491-4e35-b6c4-4d3e06196f45"
ALL_KEY_PERMISSIONS = [
    "get", "list", "update", "create", "import", "delete", "recover", "backup", "restore", "decrypt", "encrypt",
    "unwrapKey", "wrapKey", "verify", "sign", "purge", "release", "rotate", "getrotationpolicy",
    "setrotationpolicy",
]  # fmt: skip
"""What the portal writes when every key permission is ticked (individual names, not `all`)."""
SCENARIO_EPOCH = 1767225600
"""2026-01-01T00:00:00Z: when pre-existing things in a scenario were created."""


def default(name: str = "default") -> World:
    """Contoso: one subscription where the operator is Owner, two resource groups, no vaults yet; Kore's app
    is registered in Kore's own tenant and has no service principal in Contoso."""
    world = World(seed=f"scenario:{name}", operator_id=OPERATOR_ID, kore_client_id=KORE_CLIENT_ID)
    world.tenants[TENANT_ID] = Tenant(TENANT_ID, "Contoso", "contoso.onmicrosoft.com")
    world.subscriptions[SUBSCRIPTION_ID] = Subscription(SUBSCRIPTION_ID, TENANT_ID, "Contoso Production")
    world.add_principal(
        "Alex Admin",
        "User",
        ip=OPERATOR_IP,
        object_id=OPERATOR_ID,
        tenant_id=TENANT_ID,
        upn="alex.admin@contoso.onmicrosoft.com",
    )
    world.applications[KORE_CLIENT_ID] = Application(KORE_CLIENT_ID, "Kore.ai BYOK", KORE_HOME_TENANT_ID)
    world.assign_role(
        OPERATOR_ID,
        "Owner",
        f"/subscriptions/{SUBSCRIPTION_ID}",
        name=OPERATOR_OWNER_ASSIGNMENT,
        created_on=SCENARIO_EPOCH,
    )
    for rg, location in (("rg-contoso-prod", "eastus"), ("rg-shared-security", "westeurope")):
        world.resource_groups[f"{SUBSCRIPTION_ID}/{rg}"] = ResourceGroup(
            SUBSCRIPTION_ID, rg, location, {"owner": "platform-team"}
        )
    return world


def existing_vault(name: str = "existing-vault") -> World:
    """The default world plus an access-policy vault without purge protection holding an RSA 2048 key, so
    the vault step has something to adopt (and to warn about)."""
    world = default(name)
    legacy_policy = {
        "tenantId": TENANT_ID,
        "objectId": OPERATOR_ID,
        "permissions": {"keys": ALL_KEY_PERMISSIONS, "secrets": ["get", "list", "set", "delete"]},
    }
    vault = Vault(
        name="kv-contoso-legacy",
        subscription_id=SUBSCRIPTION_ID,
        resource_group="rg-shared-security",
        location="westeurope",
        tags={"owner": "security-team"},
        properties=vault_properties.apply(
            vault_properties.defaults("kv-contoso-legacy", TENANT_ID, api_version="2019-09-01"),
            {"accessPolicies": [legacy_policy]},
            creating=True,
            tenant_id=TENANT_ID,
        ),
        system_data=_system_data(),
    )
    private = keycrypto.generate(2048)
    n, e = keycrypto.public_parts(private)
    vault.keys["legacy-cmk"] = Key(
        "legacy-cmk",
        [
            KeyVersion(
                version=world.new_hex(),
                kty="RSA",
                key_size=2048,
                key_ops=["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
                enabled=True,
                nbf=None,
                exp=None,
                created=SCENARIO_EPOCH,
                updated=SCENARIO_EPOCH,
                tags={},
                private_pem=keycrypto.to_pem(private),
                n=n,
                e=e,
            )
        ],
    )
    world.vaults[vault.name] = vault
    return world


def _system_data() -> dict[str, str]:
    stamp = "2026-01-01T00:00:00.000000Z"
    return {
        "createdBy": "alex.admin@contoso.onmicrosoft.com",
        "createdByType": "User",
        "createdAt": stamp,
        "lastModifiedBy": "alex.admin@contoso.onmicrosoft.com",
        "lastModifiedByType": "User",
        "lastModifiedAt": stamp,
    }


SCENARIOS: dict[str, Callable[[str], World]] = {"default": default, "existing-vault": existing_vault}


def build(name: str) -> World:
    try:
        factory = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown sandbox scenario {name!r}: choose one of {', '.join(SCENARIOS)}") from None
    world = factory(name)
    world.revision = 0
    return world
