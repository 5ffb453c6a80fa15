"""The answers file for headless runs: TOML with the same fields the screens ask for.

Parsed strictly: an unknown key, a wrong type or a value that breaks a rule is an InputError naming
the field (`vault.name`) and the rule, raised before anything touches Azure. Sections other than
[signin] are optional: a step whose section is absent is skipped (see headless.py).
"""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from byok_tui.errors import InputError
from byok_tui.state import VaultState, WizardState

# section -> field -> (type, required when the section is present). Types are what TOML gives us.
FIELDS: dict[str, dict[str, tuple[type, bool]]] = {
    "profile": {"cloud": (str, False), "kore_client_id": (str, False)},
    "signin": {
        "tenant_id": (str, True),
        "subscription_id": (str, True),
        "cloud": (str, False),
        "method": (str, False),
    },
    "authorize": {"method": (str, True)},
    "vault": {
        "resource_group": (str, True),
        "create_resource_group": (bool, False),
        "location": (str, False),
        "name": (str, True),
        "create_vault": (bool, False),
        "sku": (str, False),
        "enable_purge_protection": (bool, False),
        "key_name": (str, True),
        "create_key": (bool, False),
        "key_size": (int, False),
        "key_hsm": (bool, False),
    },
    "share": {"export_dir": (str, True)},
    "enterprise_key": {"enforcement_date": (str, True), "key_identifier": (str, False)},
    "apps": {
        "source": (str, True),
        "file": (str, False),
        "deselect": (list, False),
        "client_id": (str, False),
        "host": (str, False),
    },
    "network": {
        "mode": (str, True),
        "ip_rules": (list, False),
        "allow_trusted_services": (bool, False),
        "allow_operator_ip": (bool, False),
        "connection_name": (str, False),
    },
    # After Step 5, not in Kore's guide: the protect step (lock, tripwires, optional audit log), issue #18.
    "protect": {
        "choice": (str, True),
        "lock": (bool, False),
        "alerts": (bool, False),
        "contacts": (list, False),
        "audit_log": (bool, False),
        "workspace_name": (str, False),
        "workspace_resource_group": (str, False),
        "create_workspace": (bool, False),
        "expiry_margin_days": (int, False),
        "notify_policy": (bool, False),
    },
}
REQUIRED_SECTIONS = ("signin",)
SIGNIN_METHODS = ("sandbox", "device-code", "azure-cli", "environment")
AUTHORIZE_METHODS = ("service-principal", "consent-url")
NETWORK_MODES = ("firewall", "private-endpoint")
PROTECT_CHOICES = ("protect", "skip", "remove")
APP_SOURCES = ("kore-api", "file", "sandbox")
TYPE_NAMES = {str: "text in quotes", bool: "true or false", int: "a whole number", list: "a list [...]"}


@dataclasses.dataclass(frozen=True)
class Answers:
    sections: dict[str, dict[str, Any]]
    """Only the sections the file has, each with only the fields it gives."""

    def has(self, section: str) -> bool:
        return section in self.sections

    def get(self, section: str) -> dict[str, Any]:
        return self.sections.get(section, {})

    # The two every run needs, for readability at call sites.
    @property
    def signin(self) -> dict[str, Any]:
        return self.get("signin")

    @property
    def vault(self) -> dict[str, Any]:
        return self.get("vault")


def load(path: str | Path, today: date | None = None) -> Answers:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError("--answers", f"cannot read {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError(
            "--answers", f"{path} is not UTF-8 text (byte {e.start}); is it the right file?"
        ) from e
    return parse(text, today)


def _today() -> date:
    from byok_tui import clock

    return clock.today()


def parse(text: str, today: date | None = None) -> Answers:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError("answers", f"not valid TOML ({e})") from e
    # Every problem of the file at once: fixing one per run is slow when each run signs in to Azure.
    problems: list[InputError] = []
    for section in data:
        if section not in FIELDS:
            problems.append(InputError(section, f"unknown section; expected one of: {', '.join(FIELDS)}"))
    for section in REQUIRED_SECTIONS:
        if section not in data:
            problems.append(InputError(section, f"the [{section}] section is required"))
    answers = Answers(
        {name: _section(name, data[name], FIELDS[name], problems) for name in FIELDS if name in data}
    )
    if not problems:  # the rules read fields the structure promises
        problems += _check_rules(answers, today or _today())
    raise_all(problems)
    return answers


def raise_all(problems: list[InputError]) -> None:
    """Raise the one problem, or one InputError that lists them all (each on its own line)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        first = problems[0]
        error = InputError(first.field, first.rule)
        error.title = f"{len(problems)} problems in the answers:\n" + "\n".join(
            f"  {p.field}: {p.rule}" for p in problems
        )
        error.remedy = "Correct each of them and try again."
        raise error


def _section(
    name: str, raw: Any, fields: dict[str, tuple[type, bool]], problems: list[InputError]
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(InputError(name, "must be a [section] table"))
        return {}
    for key in raw:
        if key not in fields:
            problems.append(
                InputError(f"{name}.{key}", f"unknown field; expected one of: {', '.join(fields)}")
            )
    out: dict[str, Any] = {}
    for key, (tp, required) in fields.items():
        if key not in raw:
            if required:
                problems.append(InputError(f"{name}.{key}", "is required"))
            continue
        value = raw[key]
        # TOML booleans are ints in Python; refuse them where a number is expected, and vice versa.
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            problems.append(InputError(f"{name}.{key}", f"must be {TYPE_NAMES[tp]}"))
            continue
        out[key] = value
    return out


def _one_of(field: str, value: str, choices: tuple[str, ...]) -> tuple[str, str | None]:
    return field, None if value in choices else f"must be one of: {', '.join(choices)}"


def _check_rules(answers: Answers, today: date) -> list[InputError]:
    from byok_tui import validate

    rules: list[tuple[str, str | None]] = []
    s = answers.signin
    rules += [
        ("signin.tenant_id", validate.tenant_id(s["tenant_id"])),
        ("signin.subscription_id", validate.subscription_id(s["subscription_id"])),
    ]
    if "method" in s:
        rules.append(_one_of("signin.method", s["method"], SIGNIN_METHODS))
    for section in ("signin", "profile"):
        if cloud := answers.get(section).get("cloud"):
            rules.append((f"{section}.cloud", _cloud_problem(cloud)))
    if kore := answers.get("profile").get("kore_client_id"):
        rules.append(("profile.kore_client_id", validate.kore_client_id(kore)))
    if answers.has("authorize"):
        rules.append(_one_of("authorize.method", answers.get("authorize")["method"], AUTHORIZE_METHODS))
    if answers.has("vault"):
        rules += _vault_rules(answers.vault)
    if answers.has("share") and not answers.get("share")["export_dir"].strip():
        rules.append(("share.export_dir", "must name a folder"))
    if answers.has("network"):
        rules += _network_rules(answers.get("network"))
    if answers.has("enterprise_key"):
        ek = answers.get("enterprise_key")
        rules.append(
            ("enterprise_key.enforcement_date", validate.enforcement_date(ek["enforcement_date"], today))
        )
        if "key_identifier" in ek:
            rules.append(("enterprise_key.key_identifier", validate.key_identifier(ek["key_identifier"])))
    if answers.has("apps"):
        rules += _apps_rules(answers.get("apps"))
    if answers.has("protect"):
        rules += _protect_rules(answers.get("protect"))
    return [InputError(field, message) for field, message in rules if message]


def _cloud_problem(name: str) -> str | None:
    from byok_tui import clouds

    try:
        clouds.get_cloud(name)
    except clouds.UnknownCloud as e:
        return str(e)
    return None


def _vault_rules(v: dict[str, Any]) -> list[tuple[str, str | None]]:
    from byok_tui import validate

    rules = [
        ("vault.resource_group", validate.resource_group_name(v["resource_group"])),
        ("vault.name", validate.vault_name(v["name"])),
        ("vault.key_name", validate.key_name(v["key_name"], existing=v.get("create_key") is False)),
    ]
    if "sku" in v:
        rules.append(("vault.sku", validate.sku(v["sku"])))
    if "key_size" in v:
        rules.append(("vault.key_size", validate.key_size(v["key_size"])))
    if v.get("create_resource_group", False) or v.get("create_vault", True):
        if "location" not in v:
            rules.append(("vault.location", "is required when creating a resource group or a vault"))
        else:
            rules.append(("vault.location", validate.location(v["location"])))
    if v.get("key_hsm") and str(v.get("sku", "standard")).lower() != "premium":
        rules.append(("vault.key_hsm", 'HSM-backed keys need sku = "premium"'))
    return rules


def _network_rules(n: dict[str, Any]) -> list[tuple[str, str | None]]:
    from byok_tui import validate

    rules = [_one_of("network.mode", n["mode"], NETWORK_MODES)]
    for i, rule in enumerate(n.get("ip_rules", [])):
        if not isinstance(rule, str):
            rules.append((f"network.ip_rules[{i}]", "must be text in quotes"))
        else:
            rules.append((f"network.ip_rules[{i}]", validate.ip_rule(rule)))
    return rules


def _protect_rules(p: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The rules of the [protect] section (what the step's own `problems` checks again on the whole state)."""
    from byok_tui import validate
    from byok_tui.engine import protect

    rules = [_one_of("protect.choice", p["choice"], PROTECT_CHOICES)]
    for i, contact in enumerate(p.get("contacts", [])):
        if not isinstance(contact, str):
            rules.append((f"protect.contacts[{i}]", "must be an e-mail address in quotes"))
        else:
            rules.append((f"protect.contacts[{i}]", protect.email_problem(contact)))
    if p["choice"] == "protect" and (p.get("alerts", True) or p.get("audit_log")) and not p.get("contacts"):
        rules.append(("protect.contacts", "is required for the alerts: list at least one e-mail address"))
    if p.get("audit_log"):
        rules.append(("protect.workspace_name", protect.workspace_name_problem(p.get("workspace_name", ""))))
    if "workspace_resource_group" in p:
        rules.append(
            ("protect.workspace_resource_group", validate.resource_group_name(p["workspace_resource_group"]))
        )
    if "expiry_margin_days" in p and not 1 <= p["expiry_margin_days"] <= protect.MARGIN_MAX_DAYS:
        rules.append(("protect.expiry_margin_days", f"must be 1 to {protect.MARGIN_MAX_DAYS} days"))
    return rules


def _apps_rules(a: dict[str, Any]) -> list[tuple[str, str | None]]:
    from byok_tui import validate

    rules = [_one_of("apps.source", a["source"], APP_SOURCES)]
    if a["source"] == "file" and not a.get("file"):
        rules.append(("apps.file", 'is required when source = "file"'))
    if a["source"] == "kore-api" and not a.get("client_id"):
        rules.append(("apps.client_id", 'is required when source = "kore-api"'))
    if "host" in a:  # Kore's Environment URL, as pasted: https://platform.kore.ai/ is fine
        rules.append(("apps.host", validate.kore_environment_url(a["host"])))
    for i, ident in enumerate(a.get("deselect", [])):
        if not isinstance(ident, str) or not ident.strip():
            rules.append((f"apps.deselect[{i}]", "must be an app id in quotes"))
    return rules


def apply_to(answers: Answers, state: WizardState) -> WizardState:
    """The state with these answers; results recorded for a different vault or key are dropped."""
    signin = dataclasses.replace(
        state.signin,
        tenant_id=answers.signin["tenant_id"].lower(),
        subscription_id=answers.signin["subscription_id"].lower(),
        cloud=answers.signin.get("cloud") or answers.get("profile").get("cloud") or state.signin.cloud,
        method=answers.signin.get("method", state.signin.method),
    )
    state = dataclasses.replace(state, signin=signin)
    if answers.has("authorize") or answers.get("profile").get("kore_client_id"):
        fields = {"method": answers.get("authorize").get("method", state.authorize.method)}
        if kore := answers.get("profile").get("kore_client_id"):
            fields["kore_client_id"] = kore.lower()
        state = _replace_section(state, "authorize", fields)
    if answers.has("vault"):
        state = _apply_vault(answers.vault, state)
    if answers.has("share"):
        state = _replace_section(state, "share", dict(answers.get("share")))
    if answers.has("network"):
        fields = dict(answers.get("network"))
        if "ip_rules" in fields:
            fields["ip_rules"] = tuple(fields["ip_rules"])
        state = _replace_section(state, "network", fields)
    if answers.has("protect"):
        fields = dict(answers.get("protect"))
        if "contacts" in fields:
            fields["contacts"] = tuple(fields["contacts"])
        state = _replace_section(state, "protect", fields)
    if answers.has("enterprise_key"):
        state = _replace_section(state, "enterprise_key", dict(answers.get("enterprise_key")))
    if answers.has("apps"):
        from byok_tui import validate

        a = answers.get("apps")
        fields = {"source": a["source"], "file": a.get("file", ""), "kore_api_client_id": a.get("client_id", ""),
                  "kore_host": validate.normalize_kore_host(a.get("host", ""))}  # fmt: skip
        state = _replace_section(state, "apps", fields)
    return state


def _replace_section(state: WizardState, name: str, fields: dict[str, Any]) -> WizardState:
    old = getattr(state, name)
    new = dataclasses.replace(old, **fields)
    state = dataclasses.replace(state, **{name: new})
    if new != old:
        # New answers mean the step must be applied again (adopting what exists) and checked.
        state = state.with_step(name, dataclasses.replace(state.step(name), applied=False, checked=""))
    return state


def _apply_vault(fields: dict[str, Any], state: WizardState) -> WizardState:
    fields = dict(fields)
    if "sku" in fields:
        fields["sku"] = fields["sku"].lower()
    old = state.vault
    same_vault = (old.name.lower(), old.resource_group.lower()) == (
        fields["name"].lower(),
        fields["resource_group"].lower(),
    )
    # What Azure reported belongs to the vault and key it was reported for.
    base = old if same_vault else VaultState()
    if same_vault and old.key_name != fields["key_name"]:
        base = dataclasses.replace(base, key_id="")
    new = dataclasses.replace(base, **fields)
    state = dataclasses.replace(state, vault=new)
    if new != old:
        state = state.with_step("vault", dataclasses.replace(state.step("vault"), applied=False, checked=""))
    return state
