"""The answers file for headless runs: TOML with the same fields the screens ask for.

Parsed strictly: an unknown key, a wrong type or a value that breaks a rule is an InputError naming
the field (`vault.name`) and the rule, raised before anything touches Azure.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from byok_tui.errors import InputError
from byok_tui.state import VaultState, WizardState

# field -> (type, required). Types are what TOML gives us.
SIGNIN_FIELDS: dict[str, tuple[type, bool]] = {
    "tenant_id": (str, True),
    "subscription_id": (str, True),
    "cloud": (str, False),
    "method": (str, False),
}
VAULT_FIELDS: dict[str, tuple[type, bool]] = {
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
}
SECTIONS = {"signin": SIGNIN_FIELDS, "vault": VAULT_FIELDS}
SIGNIN_METHODS = ("azure-cli", "environment", "sandbox")
TYPE_NAMES = {str: "text in quotes", bool: "true or false", int: "a whole number"}


@dataclasses.dataclass(frozen=True)
class Answers:
    signin: dict[str, Any]
    vault: dict[str, Any]


def load(path: str | Path) -> Answers:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError("--answers", f"cannot read {path}: {e.strerror or e}") from e
    return parse(text)


def parse(text: str) -> Answers:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError("answers", f"not valid TOML ({e})") from e
    for section in data:
        if section not in SECTIONS:
            raise InputError(section, f"unknown section; expected one of: {', '.join(SECTIONS)}")
    parsed = {name: _section(name, data.get(name), fields) for name, fields in SECTIONS.items()}
    answers = Answers(**parsed)
    _check_rules(answers)
    return answers


def _section(name: str, raw: Any, fields: dict[str, tuple[type, bool]]) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(name, "must be a [section] table")
    for key in raw:
        if key not in fields:
            raise InputError(f"{name}.{key}", f"unknown field; expected one of: {', '.join(fields)}")
    out: dict[str, Any] = {}
    for key, (tp, required) in fields.items():
        if key not in raw:
            if required:
                raise InputError(f"{name}.{key}", "is required")
            continue
        value = raw[key]
        # TOML booleans are ints in Python; refuse them where a number is expected, and vice versa.
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise InputError(f"{name}.{key}", f"must be {TYPE_NAMES[tp]}")
        out[key] = value
    return out


def _check_rules(answers: Answers) -> None:
    from byok_tui import clouds, validate

    s, v = answers.signin, answers.vault
    rules = [
        ("signin.tenant_id", validate.tenant_id(s["tenant_id"])),
        ("signin.subscription_id", validate.subscription_id(s["subscription_id"])),
        ("vault.resource_group", validate.resource_group_name(v["resource_group"])),
        ("vault.name", validate.vault_name(v["name"])),
        ("vault.key_name", validate.key_name(v["key_name"])),
    ]
    if "cloud" in s:
        try:
            clouds.get_cloud(s["cloud"])
        except clouds.UnknownCloud as e:
            rules.append(("signin.cloud", str(e)))
    if "method" in s and s["method"] not in SIGNIN_METHODS:
        rules.append(("signin.method", f"must be one of: {', '.join(SIGNIN_METHODS)}"))
    if "sku" in v:
        rules.append(("vault.sku", validate.sku(v["sku"])))
    if "key_size" in v:
        rules.append(("vault.key_size", validate.key_size(v["key_size"])))
    creating = v.get("create_resource_group", False) or v.get("create_vault", True)
    if creating:
        if "location" not in v:
            rules.append(("vault.location", "is required when creating a resource group or a vault"))
        else:
            rules.append(("vault.location", validate.location(v["location"])))
    if v.get("key_hsm") and str(v.get("sku", "standard")).lower() != "premium":
        rules.append(("vault.key_hsm", "HSM-backed keys need sku = \"premium\""))
    for field, message in rules:
        if message:
            raise InputError(field, message)


def apply_to(answers: Answers, state: WizardState) -> WizardState:
    """The state with these answers; results recorded for a different vault or key are dropped."""
    signin = dataclasses.replace(
        state.signin,
        tenant_id=answers.signin["tenant_id"].lower(),
        subscription_id=answers.signin["subscription_id"].lower(),
        cloud=answers.signin.get("cloud", state.signin.cloud),
        method=answers.signin.get("method", state.signin.method),
    )
    fields = dict(answers.vault)
    if "sku" in fields:
        fields["sku"] = fields["sku"].lower()
    old = state.vault
    same_vault = (old.name.lower(), old.resource_group.lower()) == (
        fields["name"].lower(),
        fields["resource_group"].lower(),
    )
    base = old if same_vault else VaultState()
    if same_vault and old.key_name != fields["key_name"]:
        base = dataclasses.replace(base, key_id="")
    vault = dataclasses.replace(base, **fields)
    new = dataclasses.replace(state, signin=signin, vault=vault)
    if vault != old:
        # New answers mean the step must be applied (adopting what exists) and checked again.
        new = new.with_step("vault", dataclasses.replace(state.step("vault"), applied=False, checked=""))
    return new
