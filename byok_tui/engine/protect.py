"""After Step 5, and not part of Kore's guide: guard rails on the vault and the key (issue #18).

Once Kore encrypts with the customer's key, the likely incident is on the customer's side: the vault
deleted, its network or permission model changed, Kore's role removed, or the key disabled or deleted,
and the bots lose their data within minutes. This step puts up, in the same sitting:

- a `CanNotDelete` lock on the vault (it also keeps the role assignments at the vault's scope);
- tripwires: activity-log alerts on deleting or changing the vault, deleting a role assignment at its
  scope and deleting the lock, mailing the contacts the operator gives (an action group);
- optionally the vault's audit log in a Log Analytics workspace, with a log alert on key disable, delete
  and purge (data-plane operations the activity log never carries), which costs money;
- optionally a rotation policy that only notifies before the key expires.

It is recommended and skippable, and it can take its protections down again (`choice = "remove"`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from dataclasses import dataclass

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress, adopted, arg
from byok_tui.engine.step import Step
from byok_tui.errors import ByokError, InputError
from byok_tui.state import ProtectState, WizardState

STEP_ID = "protect"
TITLE = "Protect the key (recommended, not in Kore's guide)"
PURPOSE = ("Recommended, not part of Kore's guide: lock the vault against deletion and get mailed when someone "
           "deletes or changes what Kore's encryption depends on.")  # fmt: skip
CHOICES = ("protect", "skip", "remove")

LOCK_NAME = "byok-do-not-delete"
LOCK_NOTES = "Kore.ai encrypts customer data with a key in this vault (BYOK). Deleting it loses that data."
SHORT_NAME = "byok-guard"
"""The action group's short name (at most 12 characters): what the e-mails name as the sender."""
DIAGNOSTIC_SETTING = "byok-audit-to-log-analytics"
AUDIT_CATEGORY = "AuditEvent"
TAGS = {"purpose": "kore-byok-protection", "managed-by": "byok-tui"}
MARGIN_MAX_DAYS = 365
NOTIFY_DAYS = 30
"""How long before expiry the notify-only rotation policy fires (Key Vault's own default too)."""

LOCK_STOPS = (
    "The lock stops anyone, owners included, from deleting the vault, its resource group, or the role "
    "assignments at the vault's scope (Kore's role among them) until the lock itself is removed."
)
LOCK_DOES_NOT_STOP = (
    "It does NOT stop disabling, deleting or purging the key, changing the firewall or the permission model, "
    "or removing an access policy: those are not deletions of the vault. The tripwires and the key alert are "
    "there for them."
)
AUDIT_COST = (
    "Costs money: Log Analytics bills the audit log by the GB it takes in (pay-as-you-go; the first 5 GB a "
    "month of each billing account are free) and keeps it 30 days at no extra charge. Every call Kore makes "
    "with the key (encrypt, decrypt, wrap, unwrap) is one audit record of about 1 KB, so a busy tenant's "
    "volume can be several GB a month; the log alert itself is billed per rule each month. The lock, the "
    "activity-log alerts and the e-mails cost nothing. Optional: say no and you keep everything else."
)
WHY_NOT_AUTO_ROTATE = (
    "Not a policy that rotates the key automatically: Kore's console holds a versioned key identifier, so "
    "Kore would go on using the old version (and stop when it expires) while the new one sits unused. Rotate "
    "by hand and give Kore the new identifier (Enterprise key > Rotate)."
)


@dataclass(frozen=True)
class Tripwire:
    suffix: str
    operation: str
    what: str
    """What the alert catches, for its description and the plan."""


TRIPWIRES = (
    Tripwire("vault-delete", "Microsoft.KeyVault/vaults/delete", "the vault is deleted"),
    Tripwire("vault-write", "Microsoft.KeyVault/vaults/write",
             "the vault is changed (firewall, permission model, access policies, purge protection)"),
    Tripwire("role-delete", "Microsoft.Authorization/roleAssignments/delete",
             "a role assignment at the vault's scope is deleted (Kore's Key Vault Crypto User among them)"),
    Tripwire("lock-delete", "Microsoft.Authorization/locks/delete", "the vault's delete lock is removed"),
)  # fmt: skip

KEY_OPERATIONS = ("KeyUpdate", "KeyDelete", "KeyPurge")
"""Audit operations of the key that break Kore: disabling it is a KeyUpdate (the audit log records the
update, not the attribute), deleting and purging it are their own."""


# --- names and words (pure) ----------------------------------------------------------------------------


def _p(state: WizardState) -> ProtectState:
    return state.protect


def action_group_name(state: WizardState) -> str:
    return f"ag-byok-{state.vault.name}"


def tripwire_name(state: WizardState, wire: Tripwire) -> str:
    return f"byok-{state.vault.name}-{wire.suffix}"


def key_alert_name(state: WizardState) -> str:
    return f"byok-{state.vault.name}-key-events"


def workspace_group(state: WizardState) -> str:
    return _p(state).workspace_resource_group or state.vault.resource_group


def workspace_id(state: WizardState) -> str:
    """The workspace's resource id, as recorded or as it will be."""
    p = _p(state)
    return p.workspace_id or (
        f"/subscriptions/{state.signin.subscription_id}/resourceGroups/{workspace_group(state)}"
        f"/providers/Microsoft.OperationalInsights/workspaces/{p.workspace_name}"
    )


def action_group_id(state: WizardState) -> str:
    return _p(state).action_group_id or (
        f"/subscriptions/{state.signin.subscription_id}/resourceGroups/{state.vault.resource_group}"
        f"/providers/Microsoft.Insights/actionGroups/{action_group_name(state)}"
    )


def key_query(state: WizardState) -> str:
    """KQL over the vault's audit log (AzureDiagnostics) for the key's disable, delete and purge."""
    ops = ", ".join(f'"{op}"' for op in KEY_OPERATIONS)
    return (
        'AzureDiagnostics | where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent" '
        f'| where Resource =~ "{state.vault.name}" | where OperationName in ({ops}) '
        f'| where id_s contains "/keys/{state.vault.key_name}"'
    )


def _days(margin: int) -> str:
    return f"{margin} day{'s' if margin != 1 else ''}"


def expiry_warning(state: WizardState, today: dt.date | None = None) -> str:
    """When the key expires within the margin of the enforcement date (or of `today`, before one is chosen),
    what that means; "" when it does not expire, or not that soon. Without `today`, the day the key's
    expiry was read (`key_read_on`) stands for it, so the plan stays a pure function of the state."""
    p, ek = _p(state), state.enterprise_key
    if not p.key_expires_on:
        return ""
    if today is None:
        if not p.key_read_on:
            return ""
        today = dt.date.fromisoformat(p.key_read_on)
    expires = dt.datetime.fromisoformat(p.key_expires_on)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    anchor, said = today, "today"
    if ek.enforcement_date:
        enforcement = dt.date.fromisoformat(ek.enforcement_date)
        if enforcement > today:
            anchor, said = enforcement, f"the enforcement date {enforcement.isoformat()}"
    left = (expires.date() - anchor).days
    if left > p.expiry_margin_days:
        return ""
    when = "has expired" if expires.date() < today else f"expires on {expires.date().isoformat()}"
    return (f"The key {state.vault.key_name} {when}, within {_days(p.expiry_margin_days)} of {said}. "
            "Once it expires Kore can no longer encrypt or decrypt with it: extend its expiry "
            "(az keyvault key set-attributes --expires) or rotate it and give Kore the new identifier "
            "before then.")  # fmt: skip


# --- answers -------------------------------------------------------------------------------------------


def problems(state: WizardState, now: dt.datetime | None = None) -> list[InputError]:
    """What is wrong with the answers, each naming its field (no date rule: `now` is the contract's)."""
    from byok_tui import validate

    p = _p(state)
    found = []
    if not state.vault.vault_id:
        found.append(InputError("vault", "Step 2 must record the vault first"))
    if p.choice not in CHOICES:
        found.append(InputError("protect.choice", f"choose one of: {', '.join(CHOICES)}"))
    if p.choice != "protect":
        return found
    if not (p.lock or p.alerts or p.audit_log or p.notify_policy):
        found.append(InputError("protect.choice", "nothing is chosen to protect: choose skip instead"))
    if (p.alerts or p.audit_log) and not p.contacts:
        found.append(InputError("protect.contacts", "give at least one e-mail address for the alerts"))
    for number, contact in enumerate(p.contacts, start=1):
        if message := email_problem(contact):
            found.append(InputError("protect.contacts", f"item {number}: {message}"))
    if len(p.contacts) > 1000:
        found.append(InputError("protect.contacts", "an action group mails at most 1,000 addresses"))
    if not 1 <= p.expiry_margin_days <= MARGIN_MAX_DAYS:
        found.append(InputError("protect.expiry_margin_days", f"must be 1 to {MARGIN_MAX_DAYS} days"))
    if p.audit_log:
        if message := workspace_name_problem(p.workspace_name):
            found.append(InputError("protect.workspace_name", message))
        if p.workspace_resource_group and (
            message := validate.resource_group_name(p.workspace_resource_group)
        ):
            found.append(InputError("protect.workspace_resource_group", message))
    return found


def email_problem(address: str) -> str | None:
    """Why `address` cannot be an action group's e-mail receiver, or None."""
    local, at, domain = address.partition("@")
    if not address.strip():
        return "E-mail address is empty"
    if address != address.strip() or " " in address:
        return f"E-mail address {address!r} has spaces"
    if (
        not at
        or not local
        or "." not in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or "@" in domain
    ):
        return f"E-mail address {address!r} is not name@domain.tld"
    return None


def workspace_name_problem(name: str) -> str | None:
    import re

    if not name:
        return "Workspace name is empty: name the Log Analytics workspace to use or create"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]", name):
        return (f"Workspace name {name!r} must be 4-63 letters, digits and hyphens, starting and ending with a "
                "letter or digit")  # fmt: skip
    return None


def parse_contacts(text: str) -> tuple[tuple[str, ...], str | None]:
    """Comma-, semicolon- or line-separated addresses typed by the operator, and the first problem."""
    items = [i.strip() for i in text.replace(";", ",").replace("\n", ",").split(",")]
    items = list(dict.fromkeys(i for i in items if i))
    for number, item in enumerate(items, start=1):
        if problem := email_problem(item):
            return tuple(items), (
                f"Contacts, item {number}: {problem}" if len(items) > 1 else f"Contacts: {problem}"
            )
    return tuple(items), None


# --- plan (pure) ---------------------------------------------------------------------------------------


def plan(state: WizardState) -> list[Change]:
    p = _p(state)
    if p.choice == "remove":
        return removal_plan(state)
    if p.choice != "protect":
        return []
    v, sub = state.vault, state.signin.subscription_id
    changes: list[Change] = []
    warning = expiry_warning(state)
    if p.lock:
        changes.append(Change(
            id="protect.lock", title=f"Lock {v.name} against deletion (CanNotDelete)",
            target=f"{v.vault_id}/providers/Microsoft.Authorization/locks/{LOCK_NAME}",
            az=f"az lock create --name {arg(LOCK_NAME)} --lock-type {arg('CanNotDelete')} "
            f"--resource-group {arg(v.resource_group)} --resource {arg(v.name)} "
            f"--resource-type {arg('Microsoft.KeyVault/vaults')} --notes {arg(LOCK_NOTES)} --subscription {arg(sub)}",
            detail=f"{LOCK_STOPS}\n{LOCK_DOES_NOT_STOP}",
        ))  # fmt: skip
    if p.alerts or p.audit_log:
        changes.append(Change(
            id="protect.action_group",
            title=f"Action group {action_group_name(state)}: mail {', '.join(p.contacts) or 'no one'}",
            target=action_group_id(state),
            az=f"az monitor action-group create --name {arg(action_group_name(state))} "
            f"--resource-group {arg(v.resource_group)} --short-name {arg(SHORT_NAME)} "
            + " ".join(f"--action email {arg(f'email-{i}')} {arg(c)}" for i, c in enumerate(p.contacts, start=1)),
            detail="Who is told when a tripwire or the key alert fires. Azure mails each address once to say "
            "it was added to the group.",
        ))  # fmt: skip
    if p.alerts:
        for wire in TRIPWIRES:
            name = tripwire_name(state, wire)
            changes.append(Change(
                id=f"protect.tripwire.{wire.suffix}", title=f"Tripwire {name}: mail when {wire.what}",
                target=_rg_resource(state, "Microsoft.Insights/activityLogAlerts", name),
                az=f"az monitor activity-log alert create --name {arg(name)} --resource-group {arg(v.resource_group)} "
                f"--scope {arg(v.vault_id)} --condition {arg(f'category=Administrative and operationName={wire.operation}')} "
                f"--action-group {arg(action_group_id(state))} --description {arg(_description(state, wire))}",
            ))  # fmt: skip
    if p.audit_log:
        changes += _audit_changes(state)
    if p.notify_policy:
        policy = json.dumps({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": f"P{NOTIFY_DAYS}D"},
                                                  "action": {"type": "Notify"}}]}, separators=(",", ":"))  # fmt: skip
        changes.append(Change(
            id="protect.rotation_policy",
            title=f"Rotation policy on {v.key_name}: notify {NOTIFY_DAYS} days before expiry, never rotate",
            target=f"{v.vault_uri.rstrip('/')}/keys/{v.key_name}/rotationpolicy",
            az=f"az keyvault key rotation-policy update --vault-name {arg(v.name)} --name {arg(v.key_name)} "
            f"--value {arg(policy)}",
            detail=f"Key Vault raises a KeyNearExpiry event (Event Grid) {NOTIFY_DAYS} days before the key "
            "expires; it reaches a person only through an Event Grid subscription on the vault (an e-mail "
            "Logic App, a webhook). " + WHY_NOT_AUTO_ROTATE,
        ))  # fmt: skip
    if warning and changes:
        first = changes[0]
        changes[0] = dataclasses.replace(
            first, detail=f"Warning: {warning}" + (f"\n{first.detail}" if first.detail else "")
        )
    return changes


def _rg_resource(state: WizardState, kind: str, name: str, group: str = "") -> str:
    return (f"/subscriptions/{state.signin.subscription_id}/resourceGroups/{group or state.vault.resource_group}"
            f"/providers/{kind}/{name}")  # fmt: skip


def _description(state: WizardState, wire: Tripwire) -> str:
    return (f"byok-tui tripwire: {wire.what} on {state.vault.name}, which holds the key Kore.ai encrypts "
            "customer data with.")  # fmt: skip


def _audit_changes(state: WizardState) -> list[Change]:
    p, v = _p(state), state.vault
    changes = []
    if p.create_workspace:
        changes.append(Change(
            id="protect.workspace",
            title=f"Create Log Analytics workspace {p.workspace_name} in {workspace_group(state)} (pay-as-you-go)",
            target=workspace_id(state),
            az=f"az monitor log-analytics workspace create --resource-group {arg(workspace_group(state))} "
            f"--workspace-name {arg(p.workspace_name)} --location {arg(v.location or 'eastus')} --retention-time 30",
            detail=AUDIT_COST,
        ))  # fmt: skip
    logs = json.dumps([{"category": AUDIT_CATEGORY, "enabled": True}], separators=(",", ":"))
    changes.append(Change(
        id="protect.audit_log", title=f"Send the audit log of {v.name} to workspace {p.workspace_name}",
        target=f"{v.vault_id}/providers/Microsoft.Insights/diagnosticSettings/{DIAGNOSTIC_SETTING}",
        az=f"az monitor diagnostic-settings create --name {arg(DIAGNOSTIC_SETTING)} --resource {arg(v.vault_id)} "
        f"--workspace {arg(workspace_id(state))} --logs {arg(logs)}",
        detail=AUDIT_COST if not p.create_workspace else "",
    ))  # fmt: skip
    name = key_alert_name(state)
    changes.append(Change(
        id="protect.key_alert", title=f"Log alert {name}: mail when {v.key_name} is disabled, deleted or purged",
        target=_rg_resource(state, "Microsoft.Insights/scheduledQueryRules", name),
        az=f"az monitor scheduled-query create --name {arg(name)} --resource-group {arg(v.resource_group)} "
        f"--scopes {arg(workspace_id(state))} --condition {arg('count KeyEvents > 0')} "
        f"--condition-query {arg('KeyEvents=' + key_query(state))} --evaluation-frequency 5m --window-size 5m "
        f"--severity 1 --action-groups {arg(action_group_id(state))}",
        detail="Disabling, deleting or purging a key happens on the vault's data plane, which the activity log "
        "does not carry: only the vault's own audit log sees it. The alert looks every 5 minutes.",
    ))  # fmt: skip
    return changes


def removal_plan(state: WizardState) -> list[Change]:
    """Take the protections down (a customer decommissioning BYOK): every change is destructive and needs
    an explicit confirmation. Tripwires go first, so taking the lock down does not page anyone; the
    workspace stays (it holds the audit history) and is named for the operator to delete if wanted."""
    v, p = state.vault, _p(state)
    g = arg(v.resource_group)
    changes = [
        Change(id=f"protect.remove.tripwire.{wire.suffix}", title=f"Delete tripwire {tripwire_name(state, wire)}",
               target=_rg_resource(state, "Microsoft.Insights/activityLogAlerts", tripwire_name(state, wire)),
               az=f"az monitor activity-log alert delete --name {arg(tripwire_name(state, wire))} --resource-group {g}",
               destructive=True)
        for wire in TRIPWIRES
    ]  # fmt: skip
    changes += [
        Change(id="protect.remove.key_alert", title=f"Delete log alert {key_alert_name(state)}",
               target=_rg_resource(state, "Microsoft.Insights/scheduledQueryRules", key_alert_name(state)),
               az=f"az monitor scheduled-query delete --name {arg(key_alert_name(state))} --resource-group {g} --yes",
               destructive=True),
        Change(id="protect.remove.audit_log", title=f"Stop sending the audit log of {v.name} to Log Analytics",
               target=f"{v.vault_id}/providers/Microsoft.Insights/diagnosticSettings/{DIAGNOSTIC_SETTING}",
               az=f"az monitor diagnostic-settings delete --name {arg(DIAGNOSTIC_SETTING)} --resource {arg(v.vault_id)}",
               destructive=True,
               detail=(f"The workspace {p.workspace_name} and the audit history in it are kept; delete it yourself "
                       "if you no longer need them.") if p.workspace_name else ""),
        Change(id="protect.remove.action_group", title=f"Delete action group {action_group_name(state)}",
               target=action_group_id(state),
               az=f"az monitor action-group delete --name {arg(action_group_name(state))} --resource-group {g}",
               destructive=True),
        Change(id="protect.remove.lock", title=f"Remove the delete lock from {v.name}",
               target=f"{v.vault_id}/providers/Microsoft.Authorization/locks/{LOCK_NAME}",
               az=f"az lock delete --name {arg(LOCK_NAME)} --resource-group {g} --resource {arg(v.name)} "
               f"--resource-type {arg('Microsoft.KeyVault/vaults')}",
               destructive=True,
               detail="From then on the vault, and Kore's role on it, can be deleted like any other resource."),
    ]  # fmt: skip
    return changes


# --- prepare and survey (read Azure) ---------------------------------------------------------------------


async def prepare(state: WizardState, conn: Connection) -> WizardState:
    """Read the key's expiry, so the plan can warn when it falls near the enforcement date."""
    from byok_tui.azure import keys

    v = state.vault
    if _p(state).choice != "protect" or not v.vault_uri or not v.key_name:
        return state
    try:
        key = await keys.get_key(conn, v.vault_uri, v.key_name)
    except ByokError:
        return state  # unreadable from here (the firewall): the plan goes without the warning
    from byok_tui import clock

    expires = key.expires_on if key else ""
    return _record(state, key_expires_on=expires, key_read_on=clock.today().isoformat())


async def survey(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    """The plan against Azure now: what exists as asked is adopted. A lock the operator may not create is
    refused here, before anything changes, with who to ask and the command to hand them."""
    if any(c.id == "protect.lock" for c in changes):
        await _refuse_without(state, conn, LOCK_WRITE, "put a delete lock on the vault", lock_handoff(state))
    if any(c.id.startswith("protect.tripwire.") or c.id == "protect.action_group" for c in changes):
        await _refuse_without(state, conn, ALERT_WRITE, "create activity-log alerts", alert_handoff(state))
    found = await _found(state, conn)
    out = []
    for change in changes:
        there = found.get(change.id)
        if change.id.startswith("protect.remove."):
            if there is False:
                change = adopted(change, f"No change: {change.title.split(' ', 1)[1]} is gone already")
        elif there:
            change = adopted(change, f"No change: {there}")
        elif there is False:
            change = dataclasses.replace(change, effect="create")
        out.append(change)
    return out


async def _found(state: WizardState, conn: Connection) -> dict[str, str | bool]:
    """For each change id: a sentence when it exists as asked (or, for a removal, True when it exists),
    False when it does not, missing when unknown."""
    from byok_tui.azure import keys, locks, monitor

    v, p, sub = state.vault, _p(state), state.signin.subscription_id
    remove = p.choice == "remove"
    found: dict[str, str | bool] = {}

    async def read(what):
        try:
            return await what
        except ByokError:
            return ...  # unknown: leave the plan as it was rather than claim something

    lock_list = await read(locks.list_locks(conn, sub, v.vault_id))
    if lock_list is not ...:
        ours = next(
            (lk for lk in lock_list if lk.name == LOCK_NAME and lk.scope.lower() == v.vault_id.lower()), None
        )
        holding = next((lk for lk in lock_list if lk.level in ("CanNotDelete", "ReadOnly")), None)
        if remove:
            found["protect.remove.lock"] = ours is not None
        else:
            found["protect.lock"] = (f"{v.name} is locked already ({holding.level} lock {holding.name}"
                                     + ("" if holding.scope.lower() == v.vault_id.lower() else f" on {holding.scope}")
                                     + ")") if holding else False  # fmt: skip
    group = await read(monitor.get_action_group(conn, sub, v.resource_group, action_group_name(state)))
    if group is not ...:
        as_asked = group is not None and group.enabled and set(group.emails) == set(p.contacts)
        found["protect.action_group"] = f"action group {group.name} already mails {', '.join(group.emails)}" \
            if as_asked else False  # fmt: skip
        if remove:
            found["protect.remove.action_group"] = group is not None
    alerts = await read(monitor.list_activity_alerts(conn, sub, v.resource_group))
    if alerts is not ...:
        by_name = {a.name: a for a in alerts}
        for wire in TRIPWIRES:
            alert = by_name.get(tripwire_name(state, wire))
            if remove:
                found[f"protect.remove.tripwire.{wire.suffix}"] = alert is not None
            elif alert is not None and not _tripwire_problems(state, wire, alert):
                found[f"protect.tripwire.{wire.suffix}"] = f"tripwire {alert.name} is in place"
            else:
                found[f"protect.tripwire.{wire.suffix}"] = False
    if p.audit_log or remove:
        await _found_audit(state, conn, found, read)
    if p.notify_policy and not remove and v.vault_uri and v.key_name:
        policy = await read(keys.rotation_policy(conn, v.vault_uri, v.key_name))
        if policy is not ...:
            found["protect.rotation_policy"] = (f"{v.key_name} already notifies before expiry and never rotates"
                                                if _notify_only(policy[0]) else False)  # fmt: skip
    return found


async def _found_audit(state: WizardState, conn: Connection, found: dict[str, str | bool], read) -> None:
    from byok_tui.azure import monitor

    v, p, sub = state.vault, _p(state), state.signin.subscription_id
    remove = p.choice == "remove"
    if p.workspace_name and not remove:
        ws = await read(monitor.get_workspace(conn, sub, workspace_group(state), p.workspace_name))
        if ws is not ...:
            found["protect.workspace"] = f"workspace {ws.name} exists ({ws.location})" if ws else False
    setting = await read(monitor.get_diagnostic_setting(conn, sub, v.vault_id, DIAGNOSTIC_SETTING))
    if setting is not ...:
        if remove:
            found["protect.remove.audit_log"] = setting is not None
        else:
            ok = setting is not None and _same_id(setting.workspace_id, workspace_id(state)) \
                and AUDIT_CATEGORY in setting.categories  # fmt: skip
            found["protect.audit_log"] = (
                f"the audit log of {v.name} already goes to {p.workspace_name}" if ok else False
            )
    rules = await read(monitor.list_log_alerts(conn, sub, v.resource_group))
    if rules is not ...:
        rule = next((r for r in rules if r.name == key_alert_name(state)), None)
        if remove:
            found["protect.remove.key_alert"] = rule is not None
        else:
            ok = rule is not None and not _key_alert_problems(state, rule)
            found["protect.key_alert"] = f"log alert {key_alert_name(state)} is in place" if ok else False


def _same_id(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def _notify_only(actions: list[tuple[str, str]]) -> bool:
    return any(a == "Notify" and t.startswith("before expiry") for a, t in actions) and not any(
        a == "Rotate" for a, _ in actions
    )


# --- pre-flight: may the operator do this? ----------------------------------------------------------------

LOCK_WRITE = "Microsoft.Authorization/locks/write"
ALERT_WRITE = "Microsoft.Insights/activityLogAlerts/write"
DIAGNOSTIC_WRITE = "Microsoft.Insights/diagnosticSettings/write"
WORKSPACE_WRITE = "Microsoft.OperationalInsights/workspaces/write"
CHECK_MAY_LOCK = "protect.may_lock"
CHECK_MAY_ALERT = "protect.may_alert"
CHECK_MAY_AUDIT = "protect.may_audit"


def lock_handoff(state: WizardState) -> str:
    change = next(c for c in plan(dataclasses.replace(state, protect=dataclasses.replace(
        _p(state), choice="protect", lock=True))) if c.id == "protect.lock")  # fmt: skip
    return ("Locks need Owner or User Access Administrator on the vault (Contributor is not enough). Ask one "
            f"to run:\n{change.az}\nor untick the lock and keep the alerts.")  # fmt: skip


def alert_handoff(state: WizardState) -> str:
    """Who may create the alerts, and the commands to hand them (the action group and the tripwires)."""
    only_alerts = dataclasses.replace(_p(state), choice="protect", lock=False, alerts=True, audit_log=False,
                                      notify_policy=False)  # fmt: skip
    commands = [f"az account set --subscription {arg(state.signin.subscription_id)}"]
    commands += [c.az for c in plan(dataclasses.replace(state, protect=only_alerts))]
    return (f"Alerts need Monitoring Contributor (or Contributor, or Owner) on the resource group "
            f"{state.vault.resource_group}. Ask someone who has it to run:\n" + "\n".join(commands)
            + "\nor untick the alerts and keep the lock.")  # fmt: skip


async def _refuse_without(
    state: WizardState, conn: Connection, action: str, doing: str, handoff: str
) -> None:
    from byok_tui.azure import rbac

    sub, who = state.signin.subscription_id, state.signin.operator_object_id or conn.operator_object_id
    if not who:
        return  # unknown operator: Azure will say at apply, with the same hand-off in the error's remedy
    try:
        granted = await rbac.has_action(conn, sub, state.vault.vault_id, who, action)
    except ByokError:
        return
    if granted is None:
        raise ByokError(f"Your roles do not allow you to {doing}",
                        detail=f"None of your role assignments at or above {state.vault.name} allows {action}.",
                        remedy=handoff, code="AuthorizationFailed")  # fmt: skip


async def preflight(state: WizardState, conn: Connection) -> list[CheckResult]:
    """The permissions this step needs, for the sign-in pre-flight matrix: a warn (with the hand-off) for
    each the operator lacks. At the subscription when no vault is recorded yet."""
    from byok_tui.azure import rbac
    from byok_tui.azure.evidence import Evidence

    sub, who = state.signin.subscription_id, state.signin.operator_object_id or conn.operator_object_id
    scope = state.vault.vault_id or f"/subscriptions/{sub}"
    wanted = [
        (CHECK_MAY_LOCK, LOCK_WRITE, "May lock the vault (Protect)", "Cannot lock the vault (Protect)",
         lock_handoff(state) if state.vault.vault_id else
         "Locks need Owner or User Access Administrator. Ask one to lock the vault after Step 2, or skip the lock."),
        (CHECK_MAY_ALERT, ALERT_WRITE, "May create alerts (Protect)", "Cannot create alerts (Protect)",
         alert_handoff(state) if state.vault.vault_id else
         "Alerts need Monitoring Contributor, Contributor or Owner on the vault's resource group."),
        (CHECK_MAY_AUDIT, DIAGNOSTIC_WRITE, "May send the vault's audit log to Log Analytics (Protect)",
         "Cannot send the vault's audit log to Log Analytics (Protect)",
         "Diagnostic settings need Monitoring Contributor, Log Analytics Contributor, Contributor or Owner on "
         "the vault; creating a workspace needs one of them on its resource group."),
    ]  # fmt: skip
    results = []
    for check_id, action, title, gap, remedy in wanted:
        evidence = Evidence()
        try:
            granted = await rbac.has_action(conn, sub, scope, who, action, evidence=evidence)
        except ByokError as exc:
            results.append(CheckResult(check_id, title, "warn", detail=f"Could not read your role assignments: "
                                       f"{exc.title}.", remedy=exc.remedy, request_id=exc.request_id))  # fmt: skip
            continue
        if granted is not None:
            results.append(CheckResult(check_id, title, "pass", detail=f"A role at {granted.scope or '/'} allows "
                                       f"{action}.", request_id=evidence.request_id, ms=evidence.ms))  # fmt: skip
        else:
            results.append(CheckResult(check_id, gap, "warn", detail=f"None of your role assignments allows {action}.",
                                       remedy=remedy, request_id=evidence.request_id, ms=evidence.ms))  # fmt: skip
    return results


# --- apply (idempotent) ----------------------------------------------------------------------------------


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    from byok_tui.azure import keys, locks, monitor

    v, p, sub = state.vault, _p(state), state.signin.subscription_id
    cid = change.id
    if cid == "protect.lock":
        progress(f"Locking {v.name} against deletion…", 0.3)
        existing = [
            lk
            for lk in await locks.list_locks(conn, sub, v.vault_id)
            if lk.level in ("CanNotDelete", "ReadOnly")
        ]
        ours = next((lk for lk in existing if lk.name == LOCK_NAME), None)
        if ours is None and existing:
            progress(f"{v.name} is locked already ({existing[0].name}); nothing to add.", 1.0)
            return _record(state, lock_id=existing[0].id)
        lock = ours or await locks.create_lock(conn, sub, v.vault_id, LOCK_NAME, notes=LOCK_NOTES)
        progress(f"{v.name} is locked against deletion.", 1.0)
        return _record(state, lock_id=lock.id)
    if cid == "protect.action_group":
        progress(f"Creating action group {action_group_name(state)}…", 0.3)
        group = await monitor.get_action_group(conn, sub, v.resource_group, action_group_name(state))
        if group is None or not group.enabled or set(group.emails) != set(p.contacts):
            group = await monitor.put_action_group(conn, sub, v.resource_group, action_group_name(state),
                                                   short_name=SHORT_NAME, emails=list(p.contacts), tags=TAGS)  # fmt: skip
        return _record(state, action_group_id=group.id)
    if cid.startswith("protect.tripwire."):
        wire = next(w for w in TRIPWIRES if cid == f"protect.tripwire.{w.suffix}")
        name = tripwire_name(state, wire)
        progress(f"Setting tripwire {name}…", 0.3)
        current = {a.name: a for a in await monitor.list_activity_alerts(conn, sub, v.resource_group)}.get(
            name
        )
        if current is None or _tripwire_problems(state, wire, current):
            await monitor.put_activity_alert(conn, sub, v.resource_group, name, scope=v.vault_id,
                                             operation=wire.operation, action_group_id=action_group_id(state),
                                             description=_description(state, wire), tags=TAGS)  # fmt: skip
        return state
    if cid == "protect.workspace":
        progress(f"Creating Log Analytics workspace {p.workspace_name}…", 0.3)
        ws = await monitor.get_workspace(conn, sub, workspace_group(state), p.workspace_name)
        ws = ws or await monitor.create_workspace(conn, sub, workspace_group(state), p.workspace_name,
                                                  location=v.location or "eastus", tags=TAGS)  # fmt: skip
        return _record(state, workspace_id=ws.id)
    if cid == "protect.audit_log":
        ws = await monitor.get_workspace(conn, sub, workspace_group(state), p.workspace_name)
        if ws is None:
            raise ByokError(f"Log Analytics workspace {p.workspace_name} does not exist in {workspace_group(state)}",
                            remedy="Choose an existing workspace, or let the wizard create it.")  # fmt: skip
        state = _record(state, workspace_id=ws.id)
        progress(f"Sending the audit log of {v.name} to {ws.name}…", 0.5)
        setting = await monitor.get_diagnostic_setting(conn, sub, v.vault_id, DIAGNOSTIC_SETTING)
        if (
            setting is None
            or not _same_id(setting.workspace_id, ws.id)
            or AUDIT_CATEGORY not in setting.categories
        ):
            await monitor.put_diagnostic_setting(conn, sub, v.vault_id, DIAGNOSTIC_SETTING, workspace_id=ws.id,
                                                 categories=[AUDIT_CATEGORY])  # fmt: skip
        return state
    if cid == "protect.key_alert":
        name = key_alert_name(state)
        progress(f"Setting log alert {name}…", 0.4)
        rule = next(
            (r for r in await monitor.list_log_alerts(conn, sub, v.resource_group) if r.name == name), None
        )
        if rule is None or _key_alert_problems(state, rule):
            location = await monitor.get_workspace(conn, sub, workspace_group(state), p.workspace_name)
            await monitor.put_log_alert(conn, sub, v.resource_group, name,
                                        location=location.location if location else v.location,
                                        workspace_id=workspace_id(state), query=key_query(state),
                                        action_group_id=action_group_id(state), tags=TAGS,
                                        description=f"byok-tui: the key {v.key_name} in {v.name}, which Kore.ai "
                                        "encrypts with, was disabled, deleted or purged.")  # fmt: skip
        return state
    if cid == "protect.rotation_policy":
        progress(f"Setting a notify-only rotation policy on {v.key_name}…", 0.4)
        actions, _ = await keys.rotation_policy(conn, v.vault_uri, v.key_name)
        if not _notify_only(actions) or not any(t == f"before expiry P{NOTIFY_DAYS}D" for _, t in actions):
            await keys.set_notify_policy(conn, v.vault_uri, v.key_name, days_before_expiry=NOTIFY_DAYS)
        return state
    if cid.startswith("protect.remove."):
        return await _remove(state, conn, change, progress)
    raise ByokError(f"Unknown change {cid!r} for the protect step")


async def _remove(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    from byok_tui.azure import locks, monitor

    v, sub, what = state.vault, state.signin.subscription_id, change.id.removeprefix("protect.remove.")
    progress(change.title + "…", 0.3)
    if what.startswith("tripwire."):
        wire = next(w for w in TRIPWIRES if what == f"tripwire.{w.suffix}")
        await monitor.delete_activity_alert(conn, sub, v.resource_group, tripwire_name(state, wire))
    elif what == "key_alert":
        await monitor.delete_log_alert(conn, sub, v.resource_group, key_alert_name(state))
    elif what == "audit_log":
        await monitor.delete_diagnostic_setting(conn, sub, v.vault_id, DIAGNOSTIC_SETTING)
    elif what == "action_group":
        await monitor.delete_action_group(conn, sub, v.resource_group, action_group_name(state))
        state = _record(state, action_group_id="")
    elif what == "lock":
        await locks.delete_lock(conn, sub, v.vault_id, LOCK_NAME)
        state = _record(state, lock_id="")
    else:
        raise ByokError(f"Unknown change {change.id!r} for the protect step")
    return state


def _record(state: WizardState, **fields) -> WizardState:
    return dataclasses.replace(state, protect=dataclasses.replace(_p(state), **fields))


# --- check (read-only) -------------------------------------------------------------------------------------


def _tripwire_problems(state: WizardState, wire: Tripwire, alert) -> list[str]:
    found = []
    if not alert.enabled:
        found.append("it is disabled")
    if not any(_same_id(s, state.vault.vault_id) for s in alert.scopes):
        found.append(f"it watches {', '.join(alert.scopes) or 'nothing'}, not {state.vault.name}")
    if wire.operation.lower() not in {o.lower() for o in alert.operations}:
        found.append(f"it catches {', '.join(alert.operations) or 'no operation'}, not {wire.operation}")
    if not any(_same_id(g, action_group_id(state)) for g in alert.action_group_ids):
        found.append(f"it tells no one through {action_group_name(state)}")
    return found


def _key_alert_problems(state: WizardState, rule) -> list[str]:
    found = []
    if not rule.enabled:
        found.append("it is disabled")
    if not any(_same_id(s, workspace_id(state)) for s in rule.scopes):
        found.append(
            f"it reads {', '.join(rule.scopes) or 'nothing'}, not workspace {_p(state).workspace_name}"
        )
    if rule.query.strip() != key_query(state).strip():
        found.append("its query is not the one for this key")
    if not any(_same_id(g, action_group_id(state)) for g in rule.action_group_ids):
        found.append(f"it tells no one through {action_group_name(state)}")
    return found


def _drift(check_id: str, title: str, found: list[str], change: Change | None, request_id: str = "",
           ms: float | None = None) -> CheckResult:  # fmt: skip
    """A fail that says what drifted and how to put it back (this step again, or the az command)."""
    remedy = "Apply this step again to put it back"
    if change is not None:
        remedy += f", or run:\n{change.az}"
    return CheckResult(check_id, title, "fail", detail="; ".join(found)[:1].upper() + "; ".join(found)[1:] + ".",
                       remedy=remedy + ("" if change is not None else "."), request_id=request_id, ms=ms)  # fmt: skip


async def check(state: WizardState, conn: Connection, now: dt.datetime) -> list[CheckResult]:
    p = _p(state)
    if p.choice == "skip":
        # A warning, not a failure: the guide does not ask for it, yet nothing then stops or reports a
        # deleted vault or key. (Also what lets a session resume past this step.)
        return [CheckResult("protect.skipped", "Vault and key not protected (skipped)", "warn",
                            detail="You chose not to lock the vault nor set the tripwires.",
                            remedy="Recommended: come back to this step to lock the vault and set the tripwires.")]  # fmt: skip
    if p.choice not in ("protect", "remove") or not state.vault.vault_id:
        return [CheckResult("protect.skipped", "Protections not chosen yet", "skip",
                            detail="This step has not been chosen or run.")]  # fmt: skip
    try:
        if p.choice == "remove":
            return await _check_removed(state, conn)
        return await _check_protected(state, conn, now)
    except ByokError as exc:
        return [CheckResult("protect.readable", "Protections can be read", "fail", detail=exc.detail or exc.title,
                            remedy=exc.remedy, request_id=exc.request_id)]  # fmt: skip


async def _check_protected(state: WizardState, conn: Connection, now: dt.datetime) -> list[CheckResult]:
    from byok_tui.azure import keys, locks, monitor

    v, p, sub = state.vault, _p(state), state.signin.subscription_id
    planned = {c.id: c for c in plan(state)}
    results: list[CheckResult] = []
    if p.lock:
        start = time.perf_counter()
        found = [
            lk
            for lk in await locks.list_locks(conn, sub, v.vault_id)
            if lk.level in ("CanNotDelete", "ReadOnly")
        ]
        ms = _ms(start)
        if found:
            lk = found[0]
            where = "on the vault" if lk.scope.lower() == v.vault_id.lower() else f"on {lk.scope}"
            results.append(CheckResult("protect.lock", f"{v.name} is locked against deletion", "pass",
                                       detail=f"{lk.level} lock {lk.name} {where}.", ms=ms))  # fmt: skip
        else:
            results.append(
                _drift(
                    "protect.lock",
                    f"{v.name} is not locked against deletion",
                    [f"no delete lock on {v.name} or above it"],
                    planned.get("protect.lock"),
                    ms=ms,
                )
            )
    if p.alerts or p.audit_log:
        group = await monitor.get_action_group(conn, sub, v.resource_group, action_group_name(state))
        problems = [] if group else [f"action group {action_group_name(state)} is gone"]
        if group:
            if not group.enabled:
                problems.append("it is disabled")
            if missing := [c for c in p.contacts if c not in group.emails]:
                problems.append(f"it no longer mails {', '.join(missing)}")
        results.append(
            _drift("protect.action_group", "Alerts reach no one as intended", problems,
                   planned.get("protect.action_group"), request_id=group.request_id if group else "")
            if problems else
            CheckResult("protect.action_group", "Alerts mail your contacts", "pass",
                        detail=f"{group.name} mails {', '.join(group.emails)}.", request_id=group.request_id)
        )  # fmt: skip
    if p.alerts:
        alerts = {a.name: a for a in await monitor.list_activity_alerts(conn, sub, v.resource_group)}
        for wire in TRIPWIRES:
            name, cid = tripwire_name(state, wire), f"protect.tripwire.{wire.suffix}"
            alert = alerts.get(name)
            problems = _tripwire_problems(state, wire, alert) if alert else [f"tripwire {name} is gone"]
            results.append(_drift(cid, f"No tripwire for when {wire.what}", problems, planned.get(cid)) if problems
                           else CheckResult(cid, f"Tripwire: mail when {wire.what}", "pass",
                                            detail=f"{name} watches {v.name} for {wire.operation}."))  # fmt: skip
    if p.audit_log:
        results += await _check_audit(state, conn, planned)
    if p.notify_policy:
        actions, _ = await keys.rotation_policy(conn, v.vault_uri, v.key_name)
        ok = _notify_only(actions)
        results.append(CheckResult("protect.rotation_policy", f"{v.key_name} notifies before expiry and never rotates",
                                   "pass", detail=", ".join(f"{a} {t}" for a, t in actions) + ".") if ok
                       else _drift("protect.rotation_policy", f"{v.key_name}'s rotation policy is not notify-only",
                                   [", ".join(f"{a} {t}" for a, t in actions) or "no lifetime action"],
                                   planned.get("protect.rotation_policy")))  # fmt: skip
    results.append(await _check_expiry(state, conn, now))
    return results


async def _check_audit(state: WizardState, conn: Connection, planned: dict[str, Change]) -> list[CheckResult]:
    from byok_tui.azure import monitor

    v, p, sub = state.vault, _p(state), state.signin.subscription_id
    results = []
    setting = await monitor.get_diagnostic_setting(conn, sub, v.vault_id, DIAGNOSTIC_SETTING)
    problems = [] if setting else [f"diagnostic setting {DIAGNOSTIC_SETTING} is gone from {v.name}"]
    if setting and not _same_id(setting.workspace_id, workspace_id(state)):
        problems.append(f"it sends to {setting.workspace_id or 'no workspace'}, not {p.workspace_name}")
    if setting and AUDIT_CATEGORY not in setting.categories:
        problems.append(f"it does not send {AUDIT_CATEGORY}")
    results.append(_drift("protect.audit_log", f"The audit log of {v.name} does not reach {p.workspace_name}",
                          problems, planned.get("protect.audit_log")) if problems
                   else CheckResult("protect.audit_log", f"The audit log of {v.name} goes to {p.workspace_name}", "pass",
                                    detail=f"{DIAGNOSTIC_SETTING} sends {AUDIT_CATEGORY}.",
                                    request_id=setting.request_id))  # fmt: skip
    rule = next((r for r in await monitor.list_log_alerts(conn, sub, v.resource_group)
                 if r.name == key_alert_name(state)), None)  # fmt: skip
    problems = _key_alert_problems(state, rule) if rule else [f"log alert {key_alert_name(state)} is gone"]
    results.append(_drift("protect.key_alert", f"No alert when {v.key_name} is disabled, deleted or purged",
                          problems, planned.get("protect.key_alert")) if problems
                   else CheckResult("protect.key_alert", f"Alert when {v.key_name} is disabled, deleted or purged",
                                    "pass", detail=f"{rule.name} reads {p.workspace_name} every 5 minutes."))  # fmt: skip
    return results


async def _check_expiry(state: WizardState, conn: Connection, now: dt.datetime) -> CheckResult:
    from byok_tui.azure import keys

    v = state.vault
    title = f"{v.key_name} does not expire soon"
    try:
        key = await keys.get_key(conn, v.vault_uri, v.key_name)
    except ByokError as exc:
        return CheckResult("protect.key_expiry", title, "warn", detail=f"Could not read the key: {exc.title}.",
                           remedy=exc.remedy, request_id=exc.request_id)  # fmt: skip
    if key is None:
        return CheckResult("protect.key_expiry", f"{v.key_name} is missing", "fail",
                           detail=f"The vault {v.name} has no key {v.key_name}.",
                           remedy="Recover the key (az keyvault key recover) before Kore needs it.")  # fmt: skip
    seen = dataclasses.replace(state, protect=dataclasses.replace(_p(state), key_expires_on=key.expires_on))
    warning = expiry_warning(seen, now.date())
    if warning:
        return CheckResult("protect.key_expiry", f"{v.key_name} expires soon", "warn", detail=warning,
                           remedy="Extend the key's expiry, or rotate it and give Kore the new key identifier.",
                           request_id=key.request_id)  # fmt: skip
    detail = f"It expires on {key.expires_on[:10]}." if key.expires_on else "It has no expiry date."
    return CheckResult("protect.key_expiry", title, "pass", detail=detail, request_id=key.request_id)


async def _check_removed(state: WizardState, conn: Connection) -> list[CheckResult]:
    """After removal: each protection is gone (what remains is named, with the command to remove it)."""
    found = await _found(state, conn)
    planned = {c.id: c for c in removal_plan(state)}
    results = []
    for cid, change in planned.items():
        there = found.get(cid)
        # The whole action ("stop sending the audit log…"): its object alone ("sending the audit log…")
        # would read, after "Done:", as if it were still on.
        what = change.title[0].lower() + change.title[1:]
        if there is None:
            results.append(CheckResult(cid, f"Could not tell whether this is done: {what}", "warn"))
        elif there:
            results.append(CheckResult(cid, f"Not done yet: {what}", "fail",
                                       remedy=f"Apply this step again, or run:\n{change.az}"))  # fmt: skip
        else:
            results.append(CheckResult(cid, f"Done: {what}", "pass"))
    return results


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def requires(state: WizardState) -> str | None:
    v = state.vault
    return None if v.vault_id and v.key_name else "Step 2 has not recorded the vault (add [vault])"


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    survey=survey,
    apply=apply,
    check=check,
    prepare=prepare,
    problems=problems,
    requires=requires,
    answers="protect",
)
