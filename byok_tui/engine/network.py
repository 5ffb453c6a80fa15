"""Step 5 of the seed: how Kore's platform reaches the vault.

Option A (recommended): approve Kore's private-endpoint connection. Option B: the vault firewall
(default Deny, trusted Microsoft services, Kore's IP ranges) with the operator's own IP offered, so
that this wizard's later checks still reach the vault.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import time

from byok_tui.connection import Connection
from byok_tui.engine import revision
from byok_tui.engine.model import Change, CheckResult, Progress, adopted, arg, sentence
from byok_tui.engine.step import Step, needs_vault, undated_check, undated_problems
from byok_tui.errors import ByokError, InputError
from byok_tui.models import EndpointConnectionInfo, VaultInfo
from byok_tui.state import WizardState

STEP_ID = "network"
TITLE = "Network access"
PURPOSE = "Decide how Kore.ai reaches your vault: a private endpoint (recommended) or the vault firewall."
MODES = ("private-endpoint", "firewall")
APPROVAL_NOTE = "Approved by byok-tui for Kore.ai BYOK"
LOCKOUT_WARNING = (
    "Without your own IP in the firewall, this machine can no longer reach the vault: the wizard's later "
    "checks (and Test Configuration) will fail until you add it or run from an allowed network."
)


ANSWER_FIELDS = ("mode", "ip_rules", "allow_trusted_services", "allow_operator_ip", "connection_name")
"""The fields of NetworkState the operator answers (the operator's IP is looked up, not answered)."""


def with_answers(current: WizardState, proposed: WizardState) -> WizardState:
    """`proposed`; when the answers changed, the step starts over (`revision.revised`)."""
    return revision.revised(current, proposed, STEP_ID, "network", ANSWER_FIELDS)[0]


def _network(rule: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(rule, strict=False)
    except ValueError:
        return None


def merge_rules(*groups: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The rules of every group, in order, each network once: Azure stores a single address as written,
    so 1.2.3.4 and 1.2.3.4/32 are the same rule. A rule that is no network is kept as written (the
    answers' problems name it)."""
    seen: set[object] = set()
    out: list[str] = []
    for rule in (r for group in groups for r in group):
        key = _network(rule) or rule
        if key not in seen:
            seen.add(key)
            out.append(rule)
    return tuple(out)


def not_among(rules: tuple[str, ...] | list[str], others: tuple[str, ...] | list[str]) -> list[str]:
    """The rules of `rules` whose network is none of `others`' (as networks: 1.2.3.4 is 1.2.3.4/32), in
    order: the operator's own rules beside Kore's ranges, or what Apply would remove from the vault."""
    taken = {_network(rule) or rule for rule in others}
    return [rule for rule in rules if (_network(rule) or rule) not in taken]


def rules(state: WizardState) -> list[str]:
    """The IP rules the firewall will hold: the asked ones, plus this machine's address when allowed."""
    n = state.network
    mine = [n.operator_ip] if n.allow_operator_ip and n.operator_ip else []
    return list(merge_rules(n.ip_rules, mine))


def problems(state: WizardState) -> list[InputError]:
    from byok_tui import validate

    found = []
    if not state.vault.vault_id:
        found.append(InputError("vault", "Step 2 must record the vault first"))
    if state.network.mode not in MODES:
        found.append(InputError("network.mode", f"choose one of: {', '.join(MODES)}"))
    if state.network.mode == "firewall":
        for rule in state.network.ip_rules:
            if message := validate.ip_rule(rule):
                found.append(InputError("network.ip_rules", message))
        if state.network.allow_operator_ip and not state.network.operator_ip:
            found.append(InputError("network.operator_ip", "is unknown: look it up, or decline adding it"))
        if not rules(state) and not state.network.allow_trusted_services:
            found.append(
                InputError("network.ip_rules", "would block everyone, Kore included: add Kore's ranges")
            )
        elif not state.network.ip_rules:
            found.append(InputError("network.ip_rules", "holds none of Kore's ranges, so it would block Kore. Kore "
                                    "publishes no list of its addresses: only the profile from Kore.ai support "
                                    "(kore_ip_ranges) names them; add those ranges"))  # fmt: skip
    return found


def parse_ip_rules(text: str, field: str = "IP rules") -> tuple[list[str], str | None]:
    """A comma-separated list of IPv4 addresses or CIDR ranges typed by the operator.

    Returns the rules (blanks dropped, order kept) and the first problem, which names the field, the item
    and the rule it breaks ("Extra IP rules, item 2: Firewall IP rule 10.0.0.1 is a private …").
    """
    from byok_tui import validate

    items = [item.strip() for item in text.replace("\n", ",").split(",")]
    items = [item for item in items if item]
    for number, item in enumerate(items, start=1):
        if problem := validate.ip_rule(item):
            where = f"{field}, item {number}" if len(items) > 1 else field
            return items, f"{where}: {problem}"
    return items, None


def plan(state: WizardState) -> list[Change]:
    v, n = state.vault, state.network
    if n.mode == "private-endpoint":
        name = n.connection_name or "<the pending Kore connection>"
        return [
            Change(
                id="network.approve",
                title=f"Approve Kore's private-endpoint connection {name} on {v.name}",
                target=f"{v.vault_id}/privateEndpointConnections/{n.connection_name}" if n.connection_name
                else v.vault_id,
                az=f"az keyvault private-endpoint-connection approve --vault-name {arg(v.name)} "
                f"--resource-group {arg(v.resource_group)} --name {arg(name)} --description {arg(APPROVAL_NOTE)}",
            )
        ]  # fmt: skip
    allowed = rules(state)
    commands = [
        f"az keyvault update --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
        f"--default-action {arg('Deny')} --bypass {arg('AzureServices' if n.allow_trusted_services else 'None')}"
    ] + [
        f"az keyvault network-rule add --name {arg(v.name)} --resource-group {arg(v.resource_group)} "
        f"--ip-address {arg(rule)}"
        for rule in allowed
    ]
    who = ", ".join(allowed) or "no address"
    return [
        Change(
            id="network.firewall",
            title=f"Turn on the firewall of {v.name}: deny by default, allow {who}"
            + (" and trusted Microsoft services" if n.allow_trusted_services else ""),
            target=v.vault_id,
            az="\n".join(commands),
            destructive=True,
            detail=who_loses_access(state),
        )
    ]


async def survey(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    """The plan against the vault as it is now: a firewall already as asked, or a connection already
    approved, is no change (and nothing to confirm)."""
    out = []
    for change in changes:
        if change.id == "network.firewall":
            vault = await current_firewall(state, conn)
            if vault is not None and firewall_as_asked(state, vault):
                change = adopted(change, f"No change: the firewall of {vault.name} already denies by default "
                                 f"and allows {', '.join(vault.ip_rules) or 'no address'}"
                                 + (" and trusted Microsoft services" if state.network.allow_trusted_services
                                    else ""))  # fmt: skip
            else:
                change = dataclasses.replace(change, effect="change")
        elif change.id == "network.approve" and state.network.connection_name:
            found = next((c for c in await list_connections(state, conn)
                          if c.name == state.network.connection_name), None)  # fmt: skip
            if found is not None and found.status == "Approved":
                change = adopted(
                    change, f"No change: Kore's private-endpoint connection {found.name} is approved"
                )
        out.append(change)
    return out


def firewall_as_asked(state: WizardState, vault: VaultInfo) -> bool:
    """Whether the vault's firewall already is what the plan would set: same default, bypass and rules."""
    bypass = "AzureServices" if state.network.allow_trusted_services else "None"
    have = {ipaddress.ip_network(r, strict=False) for r in vault.ip_rules}
    want = {ipaddress.ip_network(r, strict=False) for r in rules(state)}
    return vault.default_action == "Deny" and vault.bypass.lower() == bypass.lower() and have == want


SANDBOX_PE_NOTE = (
    "Demo: in this sandbox world Kore never creates its private endpoint, so option A cannot finish here. "
    "Choose B (Firewall), or restart with `byok-tui demo --scenario private-endpoint`, where one is pending."
)
"""The way on from option A in the demo when no connection waits."""


def who_loses_access(state: WizardState) -> str:
    """The firewall's cost in plain words: who can no longer use the vault's keys once it is on."""
    n = state.network
    losers = "everyone calling from an address not listed (other apps, scripts and admins)"
    if not n.allow_trusted_services:
        losers += ", trusted Microsoft services (Azure Backup, Disk Encryption and the like)"
    if not n.allow_operator_ip:
        losers += f", and this machine{f' ({n.operator_ip})' if n.operator_ip else ''}"
    keepers = ", ".join(rules(state)) or "no address"
    if n.allow_trusted_services:
        keepers += ", and trusted Microsoft services"
    lines = [
        f"Loses access to the keys: {losers}.",
        f"Keeps access: {keepers}.",
        "Rules the vault has now that are not listed are removed.",
    ]
    if not n.allow_operator_ip:
        lines.append(LOCKOUT_WARNING)
    return "\n".join(lines)


def broad_rules(rules: list[str] | tuple[str, ...], widest: int = 8) -> list[str]:
    """Rules so wide (prefix /0 to /`widest`) that the firewall hardly keeps anyone out."""
    out = []
    for rule in rules:
        try:
            if ipaddress.ip_network(rule, strict=False).prefixlen <= widest:
                out.append(rule)
        except ValueError:
            continue
    return out


def no_pending_remedy(state: WizardState, then: str = "apply this step again to approve it") -> str:
    """What to do when no private-endpoint connection from Kore waits for approval yet."""
    v = state.vault
    return (
        f"Ask Kore.ai support to create their private endpoint to your vault (resource id {v.vault_id}). "
        f"It then shows here as Pending: {then}."
    )


def endpoint_name(connection: EndpointConnectionInfo) -> str:
    """The private endpoint's own name and resource group, e.g. "pe-kore (rg-kore-privatelink)"."""
    parts = connection.private_endpoint_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    name = parts[-1] if parts and parts[-1] else connection.name
    if "resourcegroups" in lowered and lowered.index("resourcegroups") + 1 < len(parts):
        return f"{name} ({parts[lowered.index('resourcegroups') + 1]})"
    return name


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    if change.id == "network.approve":
        return await _approve(state, conn, progress)
    if change.id == "network.firewall":
        return await _firewall(state, conn, progress)
    raise ByokError(f"Unknown change {change.id!r} for the network step")


def kore_connection(
    connections: list[EndpointConnectionInfo], preferred: str = ""
) -> EndpointConnectionInfo | None:
    """The connection to approve: the named one, else the only pending one, else an approved one."""
    if preferred:
        return next((c for c in connections if c.name == preferred), None)
    pending = [c for c in connections if c.status == "Pending"]
    if len(pending) == 1:
        return pending[0]
    if len(pending) > 1:
        raise ByokError(
            f"{len(pending)} private-endpoint connections are pending",
            remedy="Choose Kore's connection by name (Kore.ai support tells you its private endpoint id).",
        )
    return next((c for c in connections if c.status == "Approved"), None)


async def _approve(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import network

    v, sub = state.vault, state.signin.subscription_id
    progress(f"Reading the private-endpoint connections of {v.name}…", 0.2)
    found = kore_connection(await network.list_connections(conn, sub, v.resource_group, v.name),
                            state.network.connection_name)  # fmt: skip
    if found is None:
        raise ByokError(
            "No private-endpoint connection from Kore is waiting for approval yet",
            detail=f"Vault {v.name} has no pending connection" + (
                f" named {state.network.connection_name}" if state.network.connection_name else "") + ".",
            remedy=no_pending_remedy(state),
        )  # fmt: skip
    if found.status == "Approved":
        progress(f"Connection {found.name} is already approved.", 1.0)
    elif found.status != "Pending":
        raise ByokError(
            f"Connection {found.name} is {found.status}",
            remedy="A rejected or disconnected connection cannot be approved: ask Kore.ai support to create "
            "a new private endpoint request.",
        )
    else:
        progress(f"Approving connection {found.name}…", 0.6)
        found = await network.set_connection_status(conn, sub, v.resource_group, v.name, found, "Approved",
                                                    APPROVAL_NOTE)  # fmt: skip
        progress(f"Approved {found.name}.", 1.0)
    return dataclasses.replace(state, network=dataclasses.replace(state.network, connection_name=found.name))


async def _firewall(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    from byok_tui.azure import network

    v, n = state.vault, state.network
    progress(f"Updating the firewall of {v.name}…", 0.4)
    await network.set_firewall(conn, state.signin.subscription_id, v.resource_group, v.name,
                               ip_rules=rules(state), bypass_azure_services=n.allow_trusted_services)  # fmt: skip
    progress("Firewall updated.", 1.0)
    return state


async def prepare(state: WizardState, conn: Connection) -> WizardState:
    """Look up what the plan needs from Azure: this machine's IP, when the firewall should allow it."""
    n = state.network
    if n.mode == "firewall" and n.allow_operator_ip and not n.operator_ip:
        ip = await lookup_operator_ip(state, conn)
        state = dataclasses.replace(state, network=dataclasses.replace(n, operator_ip=ip))
    return state


async def lookup_operator_ip(state: WizardState, conn: Connection) -> str:
    """This machine's public IP as the vault sees it, for the firewall form."""
    from byok_tui.azure import network

    return await network.caller_ip(conn, state.vault.vault_uri)


async def current_firewall(state: WizardState, conn: Connection) -> VaultInfo | None:
    """The vault as it is now (default action, IP rules), so the form can show what the firewall replaces."""
    from byok_tui.azure import vaults

    v = state.vault
    return await vaults.get_vault(conn, state.signin.subscription_id, v.resource_group, v.name)


async def list_connections(state: WizardState, conn: Connection) -> list[EndpointConnectionInfo]:
    from byok_tui.azure import network

    v = state.vault
    return await network.list_connections(conn, state.signin.subscription_id, v.resource_group, v.name)


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    try:
        results = await _configured(state, conn)
    except ByokError as exc:
        return [_unreadable(exc)]
    return [*results, await _check_reachable(state, conn)]


async def check_configured(state: WizardState, conn: Connection) -> list[CheckResult]:
    """Whether the vault's network is set as intended, without reaching the key from here (Test
    Configuration reaches the key itself, so it asks only this)."""
    try:
        return await _configured(state, conn)
    except ByokError as exc:
        return [_unreadable(exc)]


async def _configured(state: WizardState, conn: Connection) -> list[CheckResult]:
    if state.network.mode == "private-endpoint":
        return await _check_connection(state, conn)
    return await _check_firewall(state, conn)


def _unreadable(exc: ByokError) -> CheckResult:
    return CheckResult("network.configured", "Network access as intended", "fail",
                       detail=exc.detail or exc.title, remedy=exc.remedy, request_id=exc.request_id)  # fmt: skip


async def _check_connection(state: WizardState, conn: Connection) -> list[CheckResult]:
    connections = await list_connections(state, conn)
    name = state.network.connection_name
    found = next((c for c in connections if c.name == name), None) if name else None
    ok = found is not None and found.status == "Approved"
    title = "Kore's private-endpoint connection is " + ("approved" if ok else "not approved")
    return [
        CheckResult(
            "network.configured", title, "pass" if ok else "fail",
            detail=f"{found.name}: {found.status}." if found else "No recorded connection on the vault.",
            remedy="" if ok else "Apply this step once Kore's connection is pending.",
        )
    ]  # fmt: skip


async def _check_firewall(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import vaults

    v = state.vault
    start = time.perf_counter()
    vault = await vaults.get_vault(conn, state.signin.subscription_id, v.resource_group, v.name)
    ms = round((time.perf_counter() - start) * 1000, 1)
    if vault is None:
        return [
            CheckResult("network.configured", "Firewall as intended", "fail", detail="The vault is gone.")
        ]
    have = {ipaddress.ip_network(r, strict=False) for r in vault.ip_rules}
    missing = [r for r in rules(state) if ipaddress.ip_network(r, strict=False) not in have]
    problems = []
    if vault.default_action != "Deny":
        problems.append(f"default action is {vault.default_action}")
    if missing:
        problems.append(f"not allowed yet: {', '.join(missing)}")
    title = "Firewall is not as intended" if problems else "Firewall denies by default and allows Kore"
    return [
        CheckResult(
            "network.configured", title, "fail" if problems else "pass",
            detail=sentence(problems) if problems
            else f"Deny by default; allowed: {', '.join(vault.ip_rules) or 'none'}.",
            remedy="Apply this step again." if problems else "", request_id=vault.request_id, ms=ms,
        )
    ]  # fmt: skip


async def _check_reachable(state: WizardState, conn: Connection) -> CheckResult:
    from byok_tui.azure import keys

    start = time.perf_counter()
    try:
        key = await keys.get_key(conn, state.vault.vault_uri, state.vault.key_name)
    except ByokError as exc:
        firewall = exc.code in ("ForbiddenByFirewall", "ForbiddenByConnection")
        # The title states what was found: a refusal is not "still answers".
        title = ("The vault's network rules keep this machine out" if firewall
                 else "The vault does not answer from here")  # fmt: skip
        return CheckResult(
            "network.reachable", title, "warn" if firewall and not state.network.allow_operator_ip else "fail",
            detail=exc.detail or exc.title,
            remedy=LOCKOUT_WARNING if firewall else exc.remedy, request_id=exc.request_id,
        )  # fmt: skip
    ms = round((time.perf_counter() - start) * 1000, 1)
    title = "The vault still answers from here" if key else "The vault answers, but the key is missing"
    return CheckResult(
        "network.reachable", title, "pass" if key else "fail",
        detail="Read the key through the vault's network rules." if key else "The key is missing.",
        request_id=key.request_id if key else "", ms=ms,
    )  # fmt: skip


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    survey=survey,
    apply=apply,
    check=undated_check(check),
    prepare=prepare,
    problems=undated_problems(problems),
    requires=needs_vault,
    answers="network",
)
