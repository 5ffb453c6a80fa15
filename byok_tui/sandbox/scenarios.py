"""Named starting worlds. Fixed GUIDs and names keep screens and snapshots stable from run to run.

| scenario           | what it adds                                                                          |
| ------------------ | ------------------------------------------------------------------------------------- |
| `default`          | Contoso; operator Owner + Application Administrator; Kore app without SP; 30 bots;     |
|                    |   automation SP `byok-automation` with the operator's rights (every scenario has it)   |
| `existing-vault`   | + access-policy vault `kv-contoso-legacy` with key `legacy-cmk`                        |
| `restricted`       | operator only Contributor, no directory role (consent-URL path, no role assignments)   |
| `private-endpoint` | + RBAC vault `kv-contoso-cmk` (purge protection, key `kore-cmk`) with a Pending Kore    |
|                    |   private-endpoint connection                                                          |
| `big-account`      | default with 5,000 bots                                                                |
| `no-locks`         | operator Contributor + Role Based Access Control Administrator (every step but the     |
|                    |   protect step's lock: 403 AuthorizationFailed on Microsoft.Authorization/locks/write) |
"""

from __future__ import annotations

from collections.abc import Callable

from byok_tui.sandbox import keycrypto, kore, vault_properties
from byok_tui.sandbox.entra import derived_client_secret, hash_secret
from byok_tui.sandbox.world import (
    Application,
    Key,
    KeyVersion,
    KoreAccount,
    PasswordCredential,
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
KORE_APP_NAME = "Kore.ai BYOK"
"""Display name of Kore's app, and of its service principal in the customer's tenant."""
KORE_SUBSCRIPTION_ID = "5b0c2f7e-93d1-4a6c-8f25-0e7d9c4b1a36"
"""Kore's own Azure subscription, where its private endpoints live."""
KORE_PRIVATE_ENDPOINT_ID = (
    f"/subscriptions/{KORE_SUBSCRIPTION_ID}/resourceGroups/rg-kore-privatelink-eastus"
    "/providers/Microsoft.Network/privateEndpoints/pe-kore-byok-contoso"
)
KORE_EGRESS_IP = "192.0.2.36"
KORE_IP_RANGES = ("192.0.2.32/28",)
"""Kore's public egress range in the sandbox (TEST-NET-1): what a firewall rule for Kore allows."""
KORE_PRIVATE_IP = "10.42.1.4"
"""The address a vault sees when Kore arrives through its approved private endpoint."""
KORE_ACCOUNT_ID = "65f1c0de4b2a7e3d9c816a20"
KORE_BOTS = 30
BIG_ACCOUNT_BOTS = 5000
OPERATOR_CONTRIBUTOR_ASSIGNMENT = "2b9c4e71-5a3d-4f86-9e0b-7c1d8a6f3e52"
PE_VAULT_NAME = "kv-contoso-cmk"
PE_VAULT_OFFICER_ASSIGNMENT = "c4a8e0f2-6b1d-4e97-a3c5-9d2f7b0e8a14"
PE_VAULT_AUTOMATION_ASSIGNMENT = "f0b2d4e6-8a1c-4d3e-9b57-3e5a7c9d1b28"
ALL_KEY_PERMISSIONS = [
    "get", "list", "update", "create", "import", "delete", "recover", "backup", "restore", "decrypt", "encrypt",
    "unwrapKey", "wrapKey", "verify", "sign", "purge", "release", "rotate", "getrotationpolicy",
    "setrotationpolicy",
]  # fmt: skip
"""What the portal writes when every key permission is ticked (individual names, not `all`)."""
SCENARIO_EPOCH = 1767225600
"""2026-01-01T00:00:00Z: when pre-existing things in a scenario were created."""
AUTOMATION_APP_NAME = "byok-automation"
AUTOMATION_CLIENT_ID = "3d5e7a91-2c48-4b6f-9e01-8a7c5d2f4b63"
"""Application (client) id of Contoso's own single-tenant app for running the wizard unattended."""
AUTOMATION_SP_ID = "e4a2c6b8-95d1-4f37-8c0e-1b9d7f3a5e26"
"""Object id of its service principal in Contoso."""
AUTOMATION_SECRET_ID = "7b1f9d3e-4a62-4c85-b0e7-2d8f6a9c1e54"
AUTOMATION_ROLE_ASSIGNMENT = "a9c3e5f7-1b2d-4e68-8f0a-6c4e2b8d0f13"
AUTOMATION_SECRET_END = SCENARIO_EPOCH + 2 * 365 * 24 * 3600
"""Client secrets live at most two years; this one runs out at the start of 2028."""
GRAPH_READ = "Directory.Read.All"
GRAPH_WRITE_APPS = "Application.ReadWrite.All"


def default(name: str = "default", *, bots: int = KORE_BOTS, operator_role: str = "Owner") -> World:
    """Contoso: one subscription where the operator is Owner (and an Application Administrator in Entra),
    two resource groups, no vaults yet; Kore's multi-tenant app is registered in Kore's own tenant and has
    no service principal in Contoso; Kore's account has 30 bots."""
    world = World(seed=f"scenario:{name}", operator_id=OPERATOR_ID, kore_client_id=KORE_CLIENT_ID)
    world.clock = lambda: float(SCENARIO_EPOCH)  # pre-existing objects are stamped at the scenario epoch
    world.tenants[TENANT_ID] = Tenant(TENANT_ID, "Contoso", "contoso.onmicrosoft.com")
    world.subscriptions[SUBSCRIPTION_ID] = Subscription(SUBSCRIPTION_ID, TENANT_ID, "Contoso Production")
    world.add_principal(
        "Alex Admin",
        "User",
        ip=OPERATOR_IP,
        object_id=OPERATOR_ID,
        tenant_id=TENANT_ID,
        upn="alex.admin@contoso.onmicrosoft.com",
        directory_roles=["Application Administrator"] if operator_role == "Owner" else [],
    )
    world.operator.job_title = "Cloud Platform Lead"
    world.applications[KORE_CLIENT_ID] = Application(
        KORE_CLIENT_ID,
        KORE_APP_NAME,
        KORE_HOME_TENANT_ID,
        egress_ip=KORE_EGRESS_IP,
        private_endpoint_ids=[KORE_PRIVATE_ENDPOINT_ID],
        private_ip=KORE_PRIVATE_IP,
        publisher_name="Kore.ai, Inc.",
    )
    world.assign_role(
        OPERATOR_ID,
        operator_role,
        f"/subscriptions/{SUBSCRIPTION_ID}",
        name=OPERATOR_OWNER_ASSIGNMENT if operator_role == "Owner" else OPERATOR_CONTRIBUTOR_ASSIGNMENT,
        created_on=SCENARIO_EPOCH,
    )
    for rg, location in (("rg-contoso-prod", "eastus"), ("rg-shared-security", "westeurope")):
        world.resource_groups[f"{SUBSCRIPTION_ID}/{rg}"] = ResourceGroup(
            SUBSCRIPTION_ID, rg, location, {"owner": "platform-team"}
        )
    world.kore = kore_account(bots)
    add_automation_principal(world, operator_role)
    return world


def add_automation_principal(world: World, operator_role: str) -> None:
    """Contoso's automation identity for the environment method: a single-tenant app with one client
    secret and a service principal that may do every step the operator may. Same Azure role on the
    subscription; in Graph an app holds application permissions, not directory roles, so the operator's
    Application Administrator becomes `Application.ReadWrite.All` (create the Kore service principal), and
    reading the directory (organization, service principals) is `Directory.Read.All`. A restricted operator's
    twin can only read."""
    world.applications[AUTOMATION_CLIENT_ID] = Application(
        AUTOMATION_CLIENT_ID,
        AUTOMATION_APP_NAME,
        TENANT_ID,
        sign_in_audience="AzureADMyOrg",
        publisher_name="Contoso",
        password_credentials=[
            PasswordCredential(
                key_id=AUTOMATION_SECRET_ID,
                display_name="byok-tui",
                hint=derived_client_secret(world.seed, AUTOMATION_SECRET_ID)[:3],
                secret_sha256=hash_secret(derived_client_secret(world.seed, AUTOMATION_SECRET_ID)),
                start=SCENARIO_EPOCH,
                end=AUTOMATION_SECRET_END,
            )
        ],
    )
    sp = world.add_principal(
        AUTOMATION_APP_NAME,
        "ServicePrincipal",
        ip=OPERATOR_IP,  # it runs on the operator's jump host: the same address meets the vault firewall
        object_id=AUTOMATION_SP_ID,
        tenant_id=TENANT_ID,
        app_id=AUTOMATION_CLIENT_ID,
    )
    operator = world.operator
    sp.app_roles = [GRAPH_READ] + ([GRAPH_WRITE_APPS] if operator.directory_roles else [])
    world.assign_role(
        AUTOMATION_SP_ID,
        operator_role,
        f"/subscriptions/{SUBSCRIPTION_ID}",
        name=AUTOMATION_ROLE_ASSIGNMENT,
        created_on=SCENARIO_EPOCH,
    )


def kore_account(bots: int = KORE_BOTS) -> KoreAccount:
    """Contoso's Kore.ai account: the same API app in every scenario, `bots` bots."""
    return KoreAccount(
        host=kore.KORE_HOST,
        account_id=KORE_ACCOUNT_ID,
        api_apps=[kore.api_app("kore")],
        bots=kore.make_bots(bots, KORE_ACCOUNT_ID),
    )


def restricted(name: str = "restricted") -> World:
    """An operator who may not do everything: Contributor (so no role assignments) and no Entra directory
    role (so no service principal through Graph: the admin-consent URL is the way)."""
    return default(name, operator_role="Contributor")


def big_account(name: str = "big-account") -> World:
    """The default world whose Kore account has 5,000 bots (paging, selection at scale)."""
    return default(name, bots=BIG_ACCOUNT_BOTS)


NO_LOCKS_RBAC_ADMIN_ASSIGNMENT = "d3f5a7c9-2e4b-4d6f-8a1c-5b7d9e1f3a24"
NO_LOCKS_AUTOMATION_RBAC_ADMIN_ASSIGNMENT = "e6a8c0e2-4b6d-4f8a-9c1e-7d9f1b3d5e47"


def no_locks(name: str = "no-locks") -> World:
    """An operator who may do every step of the seed but may not put a lock on the vault: Contributor
    (resources, alerts) plus Role Based Access Control Administrator (role assignments), neither of which
    allows `Microsoft.Authorization/locks/write`, as in many companies where locks are the platform team's."""
    world = default(name)
    for principal, owner, admin in (
        (OPERATOR_ID, OPERATOR_OWNER_ASSIGNMENT, NO_LOCKS_RBAC_ADMIN_ASSIGNMENT),
        (AUTOMATION_SP_ID, AUTOMATION_ROLE_ASSIGNMENT, NO_LOCKS_AUTOMATION_RBAC_ADMIN_ASSIGNMENT),
    ):
        scope = f"/subscriptions/{SUBSCRIPTION_ID}"
        del world.role_assignments[owner]
        world.assign_role(principal, "Contributor", scope, name=owner, created_on=SCENARIO_EPOCH)
        world.assign_role(principal, "Role Based Access Control Administrator", scope, name=admin,
                          created_on=SCENARIO_EPOCH)  # fmt: skip
    return world


def private_endpoint(name: str = "private-endpoint") -> World:
    """The default world plus an RBAC vault with purge protection and an RSA 3072 key, on which Kore's
    private endpoint waits for approval (Step 5, option A)."""
    world = default(name)
    vault = Vault(
        name=PE_VAULT_NAME,
        subscription_id=SUBSCRIPTION_ID,
        resource_group="rg-contoso-prod",
        location="eastus",
        tags={"purpose": "kore-byok"},
        properties=vault_properties.apply(
            vault_properties.defaults(PE_VAULT_NAME, TENANT_ID, api_version="2026-05-15"),
            {"enablePurgeProtection": True, "enableRbacAuthorization": True},
            creating=True,
            tenant_id=TENANT_ID,
        ),
        system_data=_system_data(),
    )
    vault.keys["kore-cmk"] = _rsa_key(world, "kore-cmk", 3072)
    world.vaults[vault.name] = vault
    world.assign_role(
        OPERATOR_ID,
        "Key Vault Crypto Officer",
        vault.id,
        name=PE_VAULT_OFFICER_ASSIGNMENT,
        created_on=SCENARIO_EPOCH,
    )
    world.assign_role(
        AUTOMATION_SP_ID,
        "Key Vault Crypto Officer",
        vault.id,
        name=PE_VAULT_AUTOMATION_ASSIGNMENT,
        created_on=SCENARIO_EPOCH,
    )
    world.request_private_endpoint_connection(PE_VAULT_NAME, KORE_CLIENT_ID)
    return world


def _rsa_key(world: World, name: str, size: int) -> Key:
    private = keycrypto.generate(size)
    n, e = keycrypto.public_parts(private)
    version = KeyVersion(
        version=world.new_hex(),
        kty="RSA",
        key_size=size,
        key_ops=["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
        enabled=True,
        nbf=None,
        exp=None,
        created=SCENARIO_EPOCH,
        updated=SCENARIO_EPOCH,
        tags=None,
        private_pem=keycrypto.to_pem(private),
        n=n,
        e=e,
    )
    return Key(name, [version])


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
            {"accessPolicies": [legacy_policy, {**legacy_policy, "objectId": AUTOMATION_SP_ID}]},
            creating=True,
            tenant_id=TENANT_ID,
        ),
        system_data=_system_data(),
    )
    vault.keys["legacy-cmk"] = _rsa_key(world, "legacy-cmk", 2048)
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


SCENARIOS: dict[str, Callable[[str], World]] = {
    "default": default,
    "existing-vault": existing_vault,
    "restricted": restricted,
    "private-endpoint": private_endpoint,
    "big-account": big_account,
    "no-locks": no_locks,
}


def build(name: str) -> World:
    try:
        factory = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown sandbox scenario {name!r}: choose one of {', '.join(SCENARIOS)}") from None
    world = factory(name)
    world.clock = World.__dataclass_fields__["clock"].default  # from here on, real time
    world.revision = 0
    return world
