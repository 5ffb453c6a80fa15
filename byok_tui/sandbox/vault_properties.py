"""What Key Vault accepts in a vault's `properties`, and what it refuses with 400.

Kept apart from the ARM handlers because the rules are the part most likely to need correcting when real
Azure is observed doing otherwise; each refusal says which fact it rests on in docs/sandbox.md.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from byok_tui.sandbox.authorization import is_guid
from byok_tui.sandbox.errors import arm_bad_request

RBAC_DEFAULT_SINCE = "2026-02-01"
"""From this api-version on, a vault created without `enableRbacAuthorization` uses Azure RBAC (Microsoft Learn,
"Prepare for Key Vault API version 2026-02-01 and later"); older versions default to access policies."""

# fmt: off
KEY_PERMISSIONS = {
    "all", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "list", "create", "update",
    "import", "delete", "backup", "restore", "recover", "purge", "release", "rotate", "getrotationpolicy",
    "setrotationpolicy",
}
"""Key permissions an access policy may hold, lower-cased (Key Vault compares them case-insensitively)."""
SECRET_PERMISSIONS = {"all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"}
CERTIFICATE_PERMISSIONS = {
    "all", "get", "list", "delete", "create", "import", "update", "managecontacts", "getissuers", "listissuers",
    "setissuers", "deleteissuers", "manageissuers", "recover", "purge", "backup", "restore",
}
STORAGE_PERMISSIONS = {
    "all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup", "restore",
    "setsas", "listsas", "getsas", "deletesas",
}
# fmt: on
_PERMISSION_SETS = {
    "keys": KEY_PERMISSIONS,
    "secrets": SECRET_PERMISSIONS,
    "certificates": CERTIFICATE_PERMISSIONS,
    "storage": STORAGE_PERMISSIONS,
}
MAX_POLICIES = 1024


@dataclass(frozen=True)
class Change:
    """The context one member is validated in."""

    member: str
    current: dict[str, Any]
    creating: bool
    tenant_id: str
    """The tenant of the vault's subscription."""


def defaults(name: str, tenant_id: str, api_version: str) -> dict[str, Any]:
    """A new vault's properties before the caller's are applied (GET shows all of these)."""
    return {
        "sku": {"family": "A", "name": "standard"},
        "tenantId": tenant_id,
        "accessPolicies": [],
        "enabledForDeployment": False,
        "enabledForDiskEncryption": False,
        "enabledForTemplateDeployment": False,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        # before 2026-02-01 an unset model is access policies and Azure leaves the member out (recording
        # test_cli_mgmt_keyvault, api-version 2023-07-01); members that are None are not shown
        "enableRbacAuthorization": True if api_version >= RBAC_DEFAULT_SINCE else None,
        "enablePurgeProtection": None,
        "vaultUri": f"https://{name.lower()}.vault.azure.net/",
        "provisioningState": "Succeeded",
        "publicNetworkAccess": "Enabled",
    }


def apply(
    current: dict[str, Any], incoming: dict[str, Any], *, creating: bool, tenant_id: str
) -> dict[str, Any]:
    """`current` with the settable members of `incoming` applied, or a 400 for what Key Vault refuses.

    Members not sent keep their value (read-only ones like `vaultUri` are ignored), which is how PATCH
    behaves; the sandbox treats a PUT on an existing vault the same way [fidelity choice, docs/sandbox.md].
    """
    result = copy.deepcopy(current)
    for member, value in incoming.items():
        setter = _SETTERS.get(member)
        if setter is not None and value is not None:
            result[member] = setter(value, Change(member, current, creating, tenant_id))
    return result


def _boolean(value: Any, change: Change) -> bool:
    if not isinstance(value, bool):
        raise arm_bad_request(f'The property "{change.member}" must be a boolean.')
    return value


def _tenant(value: Any, change: Change) -> str:
    if not isinstance(value, str) or value.lower() != change.tenant_id.lower():
        raise arm_bad_request(
            f"The tenant ID '{value}' is not the tenant of the vault's subscription ({change.tenant_id}).",
            code="InvalidTenantId",
        )
    return change.tenant_id


def _sku(value: Any, change: Change) -> dict[str, str]:
    if not isinstance(value, dict) or str(value.get("name", "")).lower() not in ("standard", "premium"):
        raise arm_bad_request("The SKU name must be 'standard' or 'premium'.", code="InvalidSku")
    if str(value.get("family", "A")).upper() != "A":
        raise arm_bad_request("The SKU family must be 'A'.", code="InvalidSku")
    return {"family": "A", "name": value["name"].lower()}


def _soft_delete(value: Any, change: Change) -> bool:
    # Soft delete can no longer be turned off; the wording mirrors the purge-protection refusal.
    if value is not True:
        raise arm_bad_request(
            'The property "enableSoftDelete" cannot be set to false. Enabling the soft delete '
            "for a vault is an irreversible action."
        )
    return True


def _retention(value: Any, change: Change) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 7 <= value <= 90:
        raise arm_bad_request(
            f"The property \"softDeleteRetentionInDays\" has an invalid value '{value}'. It must be between "
            "7 and 90 days."
        )
    if not change.creating and value != change.current.get("softDeleteRetentionInDays"):
        raise arm_bad_request(
            'The property "softDeleteRetentionInDays" cannot be changed after the vault is created. The '
            "retention period is set once, at creation."
        )
    return value


def _purge_protection(value: Any, change: Change) -> bool:
    # Observed (azure-cli#29115): false is refused on create too, not only when turning it off.
    if value is not True:
        raise arm_bad_request(
            'The property "enablePurgeProtection" cannot be set to false. Enabling the purge '
            "protection for a vault is an irreversible action."
        )
    return True


def _public_network_access(value: Any, change: Change) -> str:
    canonical = {"enabled": "Enabled", "disabled": "Disabled"}.get(str(value).lower())
    if canonical is None:
        raise arm_bad_request(
            f"The property \"publicNetworkAccess\" has an invalid value '{value}'. Allowed "
            "values are 'Enabled' and 'Disabled'."
        )
    return canonical


def _network_acls(value: Any, change: Change) -> dict[str, Any]:
    """Replaces the stored rule set with the one sent (merge-or-replace is unconfirmed, azure-wire §5.1)."""
    if not isinstance(value, dict):
        raise arm_bad_request('The property "networkAcls" must be an object.')
    bypass = {"azureservices": "AzureServices", "none": "None"}.get(
        str(value.get("bypass", "AzureServices")).lower()
    )
    action = {"allow": "Allow", "deny": "Deny"}.get(str(value.get("defaultAction", "Allow")).lower())
    if bypass is None or action is None:
        raise arm_bad_request(
            "networkAcls.bypass must be 'AzureServices' or 'None' and networkAcls.defaultAction "
            "'Allow' or 'Deny'."
        )
    rules = [{"value": _ip_rule(rule)} for rule in value.get("ipRules") or []]
    vnets = list(value.get("virtualNetworkRules") or [])
    return {"bypass": bypass, "defaultAction": action, "ipRules": rules, "virtualNetworkRules": vnets}


def _ip_rule(rule: Any) -> str:
    text = str(rule.get("value") if isinstance(rule, dict) else rule).strip()
    try:
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise arm_bad_request(
            f"The IP rule '{text}' is not a valid IPv4 address or CIDR range.", code="InvalidIpAddressRule"
        ) from exc
    # A single address is reported as a /32 range [fidelity choice].
    return f"{network.network_address}/{network.prefixlen}"


def _access_policies(value: Any, change: Change) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise arm_bad_request('The property "accessPolicies" must be an array.')
    if len(value) > MAX_POLICIES:
        raise arm_bad_request(f"A vault can have at most {MAX_POLICIES} access policies.")
    return [validate_policy(entry) for entry in value]


_SETTERS: dict[str, Callable[[Any, Change], Any]] = {
    "tenantId": _tenant,
    "sku": _sku,
    "accessPolicies": _access_policies,
    "enabledForDeployment": _boolean,
    "enabledForDiskEncryption": _boolean,
    "enabledForTemplateDeployment": _boolean,
    "enableRbacAuthorization": _boolean,
    "enableSoftDelete": _soft_delete,
    "softDeleteRetentionInDays": _retention,
    "enablePurgeProtection": _purge_protection,
    "networkAcls": _network_acls,
    "publicNetworkAccess": _public_network_access,
}


# ---- access policies -----------------------------------------------------------------------------------


def validate_policy(entry: Any) -> dict[str, Any]:
    """One access-policy entry, ids lower-cased; permission names are kept as sent."""
    if not isinstance(entry, dict):
        raise arm_bad_request("An access policy entry must be an object.")
    for member in ("tenantId", "objectId"):
        if not is_guid(str(entry.get(member, ""))):
            raise arm_bad_request(
                f"The access policy property '{member}' must be a GUID, got '{entry.get(member)}'."
            )
    if entry.get("applicationId") and not is_guid(str(entry["applicationId"])):
        raise arm_bad_request(f"The access policy applicationId '{entry['applicationId']}' is not a GUID.")
    permissions = entry.get("permissions")
    if not isinstance(permissions, dict):
        raise arm_bad_request("The access policy property 'permissions' is required.")
    clean: dict[str, list[str]] = {}
    for kind, names in permissions.items():
        allowed = _PERMISSION_SETS.get(kind)
        if allowed is None or not isinstance(names, list):
            raise arm_bad_request(f"The access policy permission kind '{kind}' is not valid.")
        for perm in names:
            if str(perm).lower() not in allowed:
                raise arm_bad_request(f"The permission '{perm}' is not a valid {kind} permission.")
        clean[kind] = [str(p) for p in names]
    policy: dict[str, Any] = {
        "tenantId": entry["tenantId"].lower(),
        "objectId": entry["objectId"].lower(),
        "permissions": clean,
    }
    if entry.get("applicationId"):
        policy["applicationId"] = entry["applicationId"].lower()
    return policy


def change_policies(policies: list[dict[str, Any]], entry: dict[str, Any], kind: str) -> None:
    """`add` merges permissions into the matching entry, `remove` takes them out (dropping an entry left
    empty), `replace` overwrites the entry. Entries match on tenant, object and application id."""

    def same(p: dict[str, Any]) -> bool:
        return (
            p["tenantId"] == entry["tenantId"]
            and p["objectId"] == entry["objectId"]
            and p.get("applicationId") == entry.get("applicationId")
        )

    current = next((p for p in policies if same(p)), None)
    if current is None:
        if kind != "remove":
            policies.append(entry)
        return
    if kind == "replace":
        policies[policies.index(current)] = entry
        return
    for perm_kind, names in entry["permissions"].items():
        have = current["permissions"].setdefault(perm_kind, [])
        if kind == "add":
            have.extend(n for n in names if n.lower() not in {h.lower() for h in have})
        else:
            dropped = {n.lower() for n in names}
            current["permissions"][perm_kind] = [h for h in have if h.lower() not in dropped]
    if kind == "remove" and not any(current["permissions"].values()):
        policies.remove(current)
