"""Step 2 of the seed: prepare the Key Vault and the RSA key.

plan -> apply -> check, plus the live look-ups the form needs (groups, vaults, keys, name availability).
Adapters are imported inside the functions: the engine must stay cheap to import for the UI.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timedelta
from shlex import quote as q

from byok_tui.connection import Connection
from byok_tui.engine import revision
from byok_tui.engine.model import Change, CheckResult, Progress, adopted, arg, args
from byok_tui.engine.step import Step, undated_problems
from byok_tui.engine.waiting import retry_while_propagating
from byok_tui.errors import ByokError, InputError
from byok_tui.models import KeyInfo, NameCheck, ResourceGroupInfo, VaultInfo
from byok_tui.state import WizardState

STEP_ID = "vault"
TITLE = "Key Vault and key"
PURPOSE = "Create or choose the Key Vault and the RSA key that will encrypt your Kore.ai data."

KEY_SIZES = (2048, 3072, 4096)
SKUS = ("standard", "premium")
REQUIRED_KEY_OPS = ("encrypt", "decrypt", "wrapKey", "unwrapKey")
# Offered when the subscription's own list cannot be read; the form prefers list_locations().
LOCATIONS = (
    "eastus", "eastus2", "westus2", "westus3", "centralus", "canadacentral", "northeurope", "westeurope",
    "uksouth", "francecentral", "germanywestcentral", "swedencentral", "centralindia", "southeastasia",
    "japaneast", "australiaeast",
)  # fmt: skip
KEY_CREATE_ACTION = "Microsoft.KeyVault/vaults/keys/create/action"
OPERATOR_KEY_PERMISSIONS = ["get", "list", "create"]
EXPIRY_WARNING = timedelta(days=90)

__all__ = ["KeyInfo", "NameCheck", "ResourceGroupInfo", "VaultInfo"]


# --- answers ---------------------------------------------------------------------------------


def problems(state: WizardState) -> list[InputError]:
    """Every answer that is missing or breaks a rule, in form order. Empty means plan() can run."""
    from byok_tui import validate

    v, found = state.vault, []

    def rule(field: str, message: str | None) -> None:
        if message:
            found.append(InputError(field, message))

    rule("signin.subscription_id", validate.subscription_id(state.signin.subscription_id))
    rule("vault.resource_group", validate.resource_group_name(v.resource_group))
    if v.create_resource_group or v.create_vault:
        rule("vault.location", validate.location(v.location))
    rule("vault.name", validate.vault_name(v.name))
    rule("vault.sku", validate.sku(v.sku))
    rule("vault.key_name", validate.key_name(v.key_name, existing=not v.create_key))
    if v.create_key:
        rule("vault.key_size", validate.key_size(v.key_size))
        if v.key_hsm and v.sku.lower() != "premium":
            found.append(InputError("vault.key_hsm", "HSM-backed keys need a Premium vault."))
    if v.create_vault and v.create_resource_group is False and not v.resource_group:
        found.append(InputError("vault.resource_group", "Choose the resource group for the new vault."))
    return found


# --- plan ------------------------------------------------------------------------------------


ANSWER_FIELDS = (
    "resource_group", "create_resource_group", "location", "name", "create_vault", "sku",
    "enable_purge_protection", "key_name", "create_key", "key_size", "key_hsm",
)  # fmt: skip
"""The fields of VaultState the operator answers (the rest is what Azure reported)."""


def with_answers(current: WizardState, proposed: WizardState) -> WizardState:
    """`proposed` made consistent: changed answers make the step start over (`revision.revised`), and
    what Azure reported about another vault or key is dropped."""
    state, changed = revision.revised(current, proposed, STEP_ID, "vault", ANSWER_FIELDS)
    if not changed:
        return state
    old, new = current.vault, state.vault
    same_vault = (old.name.lower(), old.resource_group.lower()) == (
        new.name.lower(),
        new.resource_group.lower(),
    )
    if new.create_vault and not same_vault:
        new = dataclasses.replace(new, vault_id="", vault_uri="", rbac_authorization=None)
    if not same_vault or old.key_name != new.key_name:
        new = dataclasses.replace(new, key_id="")
    return dataclasses.replace(state, vault=new)


def _vault_id(state: WizardState) -> str:
    v = state.vault
    return v.vault_id or (
        f"/subscriptions/{state.signin.subscription_id}/resourceGroups/{v.resource_group}"
        f"/providers/Microsoft.KeyVault/vaults/{v.name}"
    )


def _is_rbac(state: WizardState) -> bool:
    # A vault the wizard creates always uses Azure RBAC; an adopted one tells us in the form.
    return state.vault.create_vault or bool(state.vault.rbac_authorization)


def plan(state: WizardState) -> list[Change]:
    """What apply would do for these answers, in order. Pure: no Azure calls."""
    v, sub = state.vault, state.signin.subscription_id
    rg_id = f"/subscriptions/{sub}/resourceGroups/{v.resource_group}"
    vault_id = _vault_id(state)
    changes: list[Change] = []
    if v.create_resource_group:
        changes.append(
            Change(
                id="vault.resource_group",
                title=f"Create resource group {v.resource_group} in {v.location}",
                target=rg_id,
                az=f"az group create --name {arg(v.resource_group)} --location {arg(v.location)} --subscription {arg(sub)}",
            )
        )
    if v.create_vault:
        changes.append(
            Change(
                id="vault.vault",
                title=f"Create key vault {v.name} ({v.sku.title()}, {v.location}) with purge protection",
                target=vault_id,
                az=(
                    f"az keyvault create --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
                    f"--location {arg(v.location)} --sku {arg(v.sku)} --enable-rbac-authorization {arg('true')} "
                    f"--enable-purge-protection {arg('true')} --retention-days {arg(90)}"
                ),
                irreversible=True,
                detail=(
                    "Purge protection cannot be turned off: a deleted vault or key stays recoverable for "
                    "90 days and the vault name stays reserved. Kore requires it so a key cannot vanish."
                ),
            )
        )
    elif v.enable_purge_protection:
        changes.append(
            Change(
                id="vault.purge_protection",
                title=f"Turn on purge protection for {v.name}",
                target=vault_id,
                az=f"az keyvault update --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
                f"--enable-purge-protection {arg('true')}",
                irreversible=True,
                detail="Purge protection cannot be turned off again. Kore requires it for a BYOK key.",
            )
        )
    if v.create_key:
        if _is_rbac(state):
            changes.append(
                Change(
                    id="vault.operator_access",
                    title=f"Give you Key Vault Crypto Officer on {v.name}, unless a role of yours can "
                    f"already create keys",
                    target=vault_id,
                    az=f"az role assignment create --role {arg('Key Vault Crypto Officer')} "
                    f"--assignee-object-id {arg(_operator(state) or '<your object id>')} --scope {arg(vault_id)}",
                    detail="Owner and Contributor manage the vault but cannot create keys in it.",
                )
            )
        else:
            changes.append(
                Change(
                    id="vault.operator_access",
                    title=f"Add an access policy letting you create keys in {v.name}, unless you can already",
                    target=vault_id,
                    az=f"az keyvault set-policy --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
                    f"--object-id {arg(_operator(state) or '<you>')} --key-permissions {args(OPERATOR_KEY_PERMISSIONS)}",
                )
            )
        kty = "RSA-HSM" if v.key_hsm else "RSA"
        changes.append(
            Change(
                id="vault.key",
                title=f"Generate {kty} {v.key_size} key {v.key_name} in {v.name}",
                target=f"{_vault_uri(state)}keys/{v.key_name}",
                az=f"az keyvault key create --vault-name {arg(v.name)} --name {arg(v.key_name)} --kty {arg(kty)} "
                f"--size {arg(v.key_size)} --ops {args(REQUIRED_KEY_OPS)}",
            )
        )
    else:
        changes.append(
            Change(
                id="vault.key",
                title=f"Use the existing key {v.key_name} (no change in Azure)",
                target=f"{_vault_uri(state)}keys/{v.key_name}",
                az=f"az keyvault key show --vault-name {arg(v.name)} --name {arg(v.key_name)}",
            )
        )
    return changes


def _operator(state: WizardState) -> str:
    return state.signin.operator_object_id


def _vault_uri(state: WizardState) -> str:
    from byok_tui.clouds import get_cloud

    return state.vault.vault_uri or get_cloud(state.signin.cloud).vault_uri(state.vault.name)


# --- survey: the plan against what exists now -------------------------------------------------

ASSIGN_ROLES = "Microsoft.Authorization/roleAssignments/write"


async def survey(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    """`changes` as they apply to Azure now (adopt what exists), refusing a plan the operator cannot finish.

    Read-only. A vault created with purge protection cannot be taken back, so before one is planned the
    operator must be able to finish the step: create the key, which on a new (RBAC) vault takes a data role
    they either hold already or may assign themselves.
    """
    from byok_tui.azure import resources, vaults

    v, sub = state.vault, state.signin.subscription_id
    group = await resources.get_resource_group(conn, sub, v.resource_group) if v.resource_group else None
    vault = await vaults.get_vault(conn, sub, v.resource_group, v.name) if group else None
    out: list[Change] = []
    for change in changes:
        if change.id == "vault.resource_group":
            change = (adopted(change, f"Use the existing resource group {group.name} ({group.location})")
                      if group else dataclasses.replace(change, effect="create"))  # fmt: skip
        elif change.id == "vault.vault":
            change = (adopted(change, f"Use the existing key vault {vault.name} ({vault.location})")
                      if vault else dataclasses.replace(change, effect="create"))  # fmt: skip
        elif change.id == "vault.purge_protection" and vault and vault.purge_protection:
            change = adopted(change, f"Purge protection is already on for {vault.name}")
        elif change.id == "vault.operator_access":
            change = await _survey_operator_access(state, conn, change, vault)
        elif change.id == "vault.key" and v.create_key:
            change = await _survey_key(state, conn, change, vault) if vault else dataclasses.replace(
                change, effect="create")  # fmt: skip
        out.append(change)
    if any(c.irreversible for c in out):
        await _refuse_unfinishable(state, conn, out, group)
    return out


async def _survey_operator_access(state: WizardState, conn: Connection, change: Change,
                                  vault: VaultInfo | None) -> Change:  # fmt: skip
    from byok_tui.azure import rbac

    operator = _operator(state) or conn.operator_object_id
    if vault is None or not vault.rbac_authorization or not operator:
        return dataclasses.replace(change, effect="create")
    try:
        holder = await rbac.has_data_action(
            conn, state.signin.subscription_id, vault.id, operator, KEY_CREATE_ACTION
        )
    except ByokError:
        return change  # unknown: say nothing rather than something false
    if holder:
        return adopted(change, f"You can already create keys in {vault.name} (a role of yours allows it)")
    return dataclasses.replace(change, effect="create")


async def _survey_key(state: WizardState, conn: Connection, change: Change, vault: VaultInfo) -> Change:
    from byok_tui.azure import keys

    try:
        key = await keys.get_key(conn, vault.uri, state.vault.key_name)
    except ByokError:
        return change  # this operator cannot read keys yet (the plan gives them a role first): unknown
    if key is None:
        return dataclasses.replace(change, effect="create")
    return adopted(change, f"Use the existing key {key.name} (version {key.version})")


async def _refuse_unfinishable(state: WizardState, conn: Connection, changes: list[Change],
                               group: ResourceGroupInfo | None) -> None:  # fmt: skip
    """Raise, naming the remedy and a hand-off, when the operator could make the irreversible change but not
    the ones after it."""
    from byok_tui.azure import rbac

    role = next((c for c in changes if c.id == "vault.operator_access"), None)
    operator = _operator(state) or conn.operator_object_id
    if role is None or role.effect == "adopt" or not _is_rbac(state) or not operator:
        return
    sub = state.signin.subscription_id
    scope = group.id if group and group.id else f"/subscriptions/{sub}"
    try:
        if await rbac.has_data_action(conn, sub, scope, operator, KEY_CREATE_ACTION):
            return
        if await rbac.has_action(conn, sub, scope, operator, ASSIGN_ROLES):
            return
    except ByokError:
        return  # the role assignments cannot be read: apply finds out, as before
    where = f"resource group {state.vault.resource_group}" if group else "the subscription"
    handoff = (f"az role assignment create --role {arg('Key Vault Crypto Officer')} --assignee-object-id "
               f"{arg(operator)} --scope {arg(scope)}")  # fmt: skip
    raise ByokError(
        "You could create the vault but not its key",
        detail=f"A new vault uses Azure RBAC: creating its key needs a data role such as Key Vault Crypto "
        f"Officer. You hold none on {where}, and your roles there may not assign one "
        f"({ASSIGN_ROLES}). Purge protection would keep the unfinished vault, and its name, for 90 days.",
        remedy=f"Ask an Owner or User Access Administrator to give you the role, then review again: {handoff} "
        f"(or ask them to run this step, or choose an existing vault where you can create keys).",
        code="CannotFinishStep",
    )


# --- apply -----------------------------------------------------------------------------------


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    """Make `change` true in Azure, adopting whatever already exists. Safe to repeat."""
    handlers = {
        "vault.resource_group": _ensure_resource_group,
        "vault.vault": _ensure_vault,
        "vault.purge_protection": _ensure_purge_protection,
        "vault.operator_access": _ensure_operator_access,
        "vault.key": _ensure_key,
    }
    try:
        handler = handlers[change.id]
    except KeyError:
        raise ByokError(f"Unknown change {change.id!r} for the vault step") from None
    return await handler(state, conn, progress)


def _record(state: WizardState, **fields) -> WizardState:
    return dataclasses.replace(state, vault=dataclasses.replace(state.vault, **fields))


def _record_vault(state: WizardState, vault: VaultInfo) -> WizardState:
    return _record(state, vault_id=vault.id, vault_uri=vault.uri, rbac_authorization=vault.rbac_authorization)


async def _ensure_resource_group(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import resources

    v, sub = state.vault, state.signin.subscription_id
    progress(f"Looking for resource group {v.resource_group}…", 0.1)
    existing = await resources.get_resource_group(conn, sub, v.resource_group)
    if existing:
        progress(f"Resource group {v.resource_group} exists in {existing.location}: adopted.", 1.0)
        return state
    progress(f"Creating resource group {v.resource_group} in {v.location}…", 0.5)
    await resources.create_resource_group(conn, sub, v.resource_group, v.location)
    progress(f"Created resource group {v.resource_group}.", 1.0)
    return state


async def _existing_vault(state: WizardState, conn: Connection) -> VaultInfo:
    from byok_tui.azure import vaults

    v = state.vault
    found = await vaults.get_vault(conn, state.signin.subscription_id, v.resource_group, v.name)
    if found is None:
        raise ByokError(
            f"Key vault {v.name} was not found in {v.resource_group}",
            remedy="Choose an existing vault in this resource group, or let the wizard create one.",
        )
    return found


async def _ensure_vault(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import vaults

    v, sub = state.vault, state.signin.subscription_id
    progress(f"Looking for key vault {v.name}…", 0.1)
    found = await vaults.get_vault(conn, sub, v.resource_group, v.name)

    def waiting(azure_state: str, seconds: float) -> None:
        # Azure answers at once but needs about half a minute more (RegisteringDns) before the vault works
        fraction = 0.3 + 0.6 * min(seconds / 60.0, 1.0)
        progress(f"Azure is finishing key vault {v.name}: {azure_state} ({int(seconds)} s so far)…", fraction)

    if found and found.provisioning_state.lower() != "succeeded":  # e.g. resumed right after creating it
        found = await vaults.wait_until_ready(conn, sub, v.resource_group, v.name, on_wait=waiting) or found
    if found:
        progress(f"Key vault {v.name} exists: adopted.", 1.0)
        return _record_vault(state, found)
    progress(f"Creating key vault {v.name} (this can take a minute)…", 0.3)

    created = await vaults.create_vault(
        conn, sub, v.resource_group, v.name, location=v.location, sku=v.sku.lower(),
        tenant_id=state.signin.tenant_id, on_wait=waiting,
    )  # fmt: skip
    progress(f"Created key vault {v.name}: {created.uri}", 1.0)
    return _record_vault(state, created)


async def _ensure_purge_protection(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import vaults

    found = await _existing_vault(state, conn)
    if found.purge_protection:
        progress(f"Purge protection is already on for {found.name}.", 1.0)
        return _record_vault(state, found)
    progress(f"Turning on purge protection for {found.name}…", 0.5)
    updated = await vaults.enable_purge_protection(
        conn, state.signin.subscription_id, found.resource_group, found.name
    )
    progress("Purge protection is on.", 1.0)
    return _record_vault(state, updated)


async def _ensure_operator_access(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import rbac, vaults

    found = await _existing_vault(state, conn)
    state = _record_vault(state, found)
    operator = _operator(state) or conn.operator_object_id
    if not operator:
        raise ByokError(
            "Your object id is unknown, so the wizard cannot check your access to the vault",
            remedy="Sign in again so the wizard can read your identity.",
        )
    sub = state.signin.subscription_id
    if found.rbac_authorization:
        progress("Checking whether your roles can create keys in the vault…", 0.2)
        holder = await rbac.has_data_action(conn, sub, found.id, operator, KEY_CREATE_ACTION)
        if holder:
            progress(f"You can already create keys (role assigned at {holder.scope}).", 1.0)
            return state
        progress("Assigning you Key Vault Crypto Officer on the vault…", 0.6)
        await rbac.assign_role(conn, sub, found.id, rbac.KEY_VAULT_CRYPTO_OFFICER, operator)
        progress("Assigned Key Vault Crypto Officer.", 1.0)
        return state
    granted = await vaults.access_policy_permissions(conn, sub, found.resource_group, found.name, operator)
    missing = [p for p in OPERATOR_KEY_PERMISSIONS if p.lower() not in granted and "all" not in granted]
    if not missing:
        progress("Your access policy already allows creating keys.", 1.0)
        return state
    progress(f"Adding an access policy for you ({', '.join(missing)})…", 0.6)
    await vaults.add_access_policy(
        conn, sub, found.resource_group, found.name, tenant_id=found.tenant_id or state.signin.tenant_id,
        object_id=operator, key_permissions=OPERATOR_KEY_PERMISSIONS,
    )  # fmt: skip
    progress("Access policy added.", 1.0)
    return state


async def _ensure_key(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import keys

    v = state.vault
    if not v.vault_uri:
        state = _record_vault(state, await _existing_vault(state, conn))
        v = state.vault
    progress(f"Looking for key {v.key_name}…", 0.1)

    async def lookup() -> KeyInfo | None:
        return await keys.get_key(conn, v.vault_uri, v.key_name)

    # A data role assigned a moment ago (when the plan generates a key) may not have reached the vault
    # yet. Adopting a key assigns no role, so a refusal then is final: say so now, not in 10 minutes.
    key = await (
        retry_while_propagating(lookup, progress, "your Key Vault role") if v.create_key else lookup()
    )
    if key is not None:
        progress(f"Key {v.key_name} exists: adopted version {key.version}.", 1.0)
        return _record(state, key_id=key.kid)
    if not v.create_key:
        raise ByokError(
            f"Key {v.key_name} was not found in {v.name}",
            remedy="Choose an existing key, or let the wizard generate one.",
        )
    progress(f"Generating RSA {v.key_size} key {v.key_name}…", 0.5)

    async def create() -> KeyInfo:
        return await keys.create_rsa_key(conn, v.vault_uri, v.key_name, size=v.key_size, hsm=v.key_hsm)

    key = await retry_while_propagating(create, progress, "your Key Vault role")
    progress(f"Generated key {key.name}, version {key.version}.", 1.0)
    return _record(state, key_id=key.kid)


# --- check -----------------------------------------------------------------------------------


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


async def check(state: WizardState, conn: Connection, now: datetime | None = None) -> list[CheckResult]:
    """Live, read-only proof that the vault and key are fit for BYOK."""
    from byok_tui.azure import keys, vaults

    if now is None:
        from byok_tui import clock

        now = clock.now()
    v = state.vault
    results: list[CheckResult] = []
    start = time.perf_counter()
    try:
        vault = await vaults.get_vault(conn, state.signin.subscription_id, v.resource_group, v.name)
    except ByokError as exc:
        return [_failed("vault.exists", f"Key vault {v.name} exists", exc)]
    if vault is None:
        return [
            CheckResult(
                "vault.exists", f"Key vault {v.name} exists", "fail",
                detail=f"No vault named {v.name} in resource group {v.resource_group}.",
                remedy="Apply this step to create it, or choose an existing vault.", ms=_ms(start),
            )
        ]  # fmt: skip
    results += _vault_checks(vault, _ms(start))
    start = time.perf_counter()
    try:
        key = await keys.get_key(conn, vault.uri, v.key_name)
    except ByokError as exc:
        return [*results, _failed("key.exists", f"Key {v.key_name} is readable", exc)]
    if key is None:
        results.append(
            CheckResult(
                "key.exists", f"Key {v.key_name} exists", "fail",
                detail=f"The vault has no key named {v.key_name}.",
                remedy="Apply this step to generate it, or choose an existing key.", ms=_ms(start),
            )
        )  # fmt: skip
        return results
    results += key_checks(key, now, _ms(start))
    results.append(_recorded_check(state, vault, key))
    return results


def _failed(check_id: str, title: str, exc: ByokError) -> CheckResult:
    return CheckResult(
        check_id, title, "fail", detail=exc.detail or exc.title, remedy=exc.remedy, request_id=exc.request_id
    )


def _vault_checks(vault: VaultInfo, ms: float) -> list[CheckResult]:
    model = "Azure RBAC" if vault.rbac_authorization else "access policies"
    return [
        CheckResult(
            "vault.exists", f"Key vault {vault.name} exists", "pass",
            detail=f"{vault.uri} in {vault.location}, {vault.sku.title()}, permissions by {model}.",
            request_id=vault.request_id, ms=ms,
        ),
        CheckResult(
            "vault.soft_delete", "Soft delete is on" if vault.soft_delete else "Soft delete is off",
            "pass" if vault.soft_delete else "fail",
            detail="Deleted keys stay recoverable." if vault.soft_delete else "Soft delete is off.",
            remedy="" if vault.soft_delete else "Turn on soft delete: az keyvault update --enable-soft-delete true",
        ),
        CheckResult(
            "vault.purge_protection", "Purge protection is " + ("on" if vault.purge_protection else "off"),
            "pass" if vault.purge_protection else "fail",
            detail="No one can purge the key before its retention ends." if vault.purge_protection
            else "Without purge protection a deleted key can be purged at once, losing your Kore data.",
            remedy="" if vault.purge_protection else
            f"Turn it on (irreversible): az keyvault update --name {vault.name} --enable-purge-protection true",
        ),
    ]  # fmt: skip


def key_checks(key: KeyInfo, now: datetime, ms: float | None = None) -> list[CheckResult]:
    """Is this key usable by Kore for BYOK? Pure, so the rules are unit-tested."""
    results = [
        CheckResult(
            "key.enabled", f"Key {key.name} is " + ("enabled" if key.enabled else "disabled"),
            "pass" if key.enabled else "fail",
            detail=f"Version {key.version}." if key.enabled else "The key is disabled.",
            remedy="" if key.enabled else f"Enable it: az keyvault key set-attributes --id {q(key.kid)} --enabled true",
            request_id=key.request_id, ms=ms,
        ),
        CheckResult(
            "key.type", "Key type is RSA" if key.kty in ("RSA", "RSA-HSM") else f"Key type is {key.kty}, not RSA",
            "pass" if key.kty in ("RSA", "RSA-HSM") else "fail",
            detail=f"Type {key.kty}.",
            remedy="" if key.kty in ("RSA", "RSA-HSM") else "Kore needs an RSA key: generate one.",
        ),
    ]  # fmt: skip
    size_ok = key.size is not None and key.size >= 2048
    results.append(
        CheckResult(
            "key.size", "Key size is at least 2048 bits" if size_ok else "Key size is below 2048 bits",
            "pass" if size_ok else "fail",
            detail=f"{key.size} bits." if key.size else "Size unknown.",
            remedy="" if size_ok else "Generate an RSA key of 2048, 3072 or 4096 bits.",
        )
    )  # fmt: skip
    missing = [op for op in REQUIRED_KEY_OPS if op not in key.key_ops]
    results.append(
        CheckResult(
            "key.operations", f"Key does not allow {', '.join(missing)}" if missing
            else "Key allows encrypt, decrypt, wrapKey and unwrapKey",
            "fail" if missing else "pass",
            detail=f"Missing: {', '.join(missing)}." if missing else f"Operations: {', '.join(key.key_ops)}.",
            remedy=f"Allow them: az keyvault key set-attributes --ops {' '.join(REQUIRED_KEY_OPS)}"
            if missing else "",
        )
    )  # fmt: skip
    results.append(_expiry_check(key, now))
    return results


def _expiry_check(key: KeyInfo, now: datetime) -> CheckResult:
    title = "Key is active and not expiring soon"
    if key.not_before and datetime.fromisoformat(key.not_before) > now:
        return CheckResult(
            "key.expiry", title, "fail", detail=f"Not active until {key.not_before}.",
            remedy="Use a key that is active now, or change its activation date.",
        )  # fmt: skip
    if not key.expires_on:
        return CheckResult("key.expiry", title, "pass", detail="No expiry date.")
    expires = datetime.fromisoformat(key.expires_on)
    if expires <= now:
        return CheckResult(
            "key.expiry", title, "fail", detail=f"Expired on {key.expires_on}.",
            remedy="Rotate to a new key version, or extend the expiry date.",
        )  # fmt: skip
    if expires - now < EXPIRY_WARNING:
        return CheckResult(
            "key.expiry", title, "warn", detail=f"Expires on {key.expires_on}.",
            remedy="Plan a rotation before then; Kore cannot decrypt with an expired key.",
        )  # fmt: skip
    return CheckResult("key.expiry", title, "pass", detail=f"Expires on {key.expires_on}.")


def _recorded_check(state: WizardState, vault: VaultInfo, key: KeyInfo) -> CheckResult:
    recorded = state.vault
    if recorded.vault_uri.rstrip("/") == vault.uri.rstrip("/") and recorded.key_id == key.kid:
        return CheckResult(
            "vault.recorded", "Vault URI and key identifier recorded", "pass",
            detail=f"{vault.uri} · {key.kid}",
        )  # fmt: skip
    if recorded.key_id and recorded.key_id.rsplit("/", 1)[0] == key.kid.rsplit("/", 1)[0]:
        return CheckResult(
            "vault.recorded", "Vault URI and key identifier recorded", "warn",
            detail=f"A newer key version exists: recorded {recorded.key_id}, latest {key.kid}.",
            remedy="Re-apply this step to record the latest version.",
        )  # fmt: skip
    return CheckResult(
        "vault.recorded", "Vault URI and key identifier recorded", "fail",
        detail="The session does not record this vault and key yet.", remedy="Apply this step.",
    )  # fmt: skip


# --- look-ups for the form -------------------------------------------------------------------


async def list_resource_groups(conn: Connection, subscription_id: str) -> list[ResourceGroupInfo]:
    from byok_tui.azure import resources

    return await resources.list_resource_groups(conn, subscription_id)


async def list_locations(conn: Connection, subscription_id: str) -> list[str]:
    from byok_tui.azure import resources

    try:
        return await resources.list_locations(conn, subscription_id) or list(LOCATIONS)
    except ByokError:
        return list(LOCATIONS)


async def list_vaults(conn: Connection, subscription_id: str, resource_group: str) -> list[VaultInfo]:
    from byok_tui.azure import vaults

    return await vaults.list_vaults(conn, subscription_id, resource_group)


async def check_vault_name(conn: Connection, subscription_id: str, name: str) -> NameCheck:
    from byok_tui.azure import vaults

    return await vaults.check_name(conn, subscription_id, name)


async def list_keys(conn: Connection, vault_uri: str) -> list[KeyInfo]:
    from byok_tui.azure import keys

    return await keys.list_keys(conn, vault_uri)


def adopt_vault(state: WizardState, vault: VaultInfo) -> WizardState:
    """Answers for using an existing vault: the form calls this when the operator picks one."""
    return dataclasses.replace(
        state,
        vault=dataclasses.replace(
            state.vault,
            create_vault=False,
            name=vault.name,
            resource_group=vault.resource_group,
            location=vault.location,
            sku=vault.sku,
            rbac_authorization=vault.rbac_authorization,
            vault_id=vault.id,
            vault_uri=vault.uri,
            enable_purge_protection=state.vault.enable_purge_protection and not vault.purge_protection,
        ),
    )


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    survey=survey,
    apply=apply,
    check=check,
    problems=undated_problems(problems),
    answers="vault",
)
