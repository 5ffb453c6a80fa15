"""The profile: facts about Kore's side that the customer does not choose (nothing in it is secret).

Read from `--profile FILE`, else `$BYOK_TUI_PROFILE`, else `./byok.toml` when present; Kore support
ships one per platform region. The sandbox supplies its own for demos.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from byok_tui.errors import InputError


@dataclass(frozen=True)
class Profile:
    kore_client_id: str = ""
    """Application (client) id of Kore's multi-tenant Entra app; "" means the operator must enter it."""
    kore_app_name: str = "Kore.ai"
    """The app's display name, as the operator will see it in Entra ID."""
    kore_host: str = "platform.kore.ai"
    """Kore platform host for the public API (apps and bots list)."""
    kore_ip_ranges: tuple[str, ...] = ()
    """Egress IPv4 ranges of Kore's platform, allowed through the vault firewall (Step 5, option B)."""
    cloud: str = "AzureCloud"
    """Default cloud for sign-in."""
    region: str = "eastus"
    """Default region for a new resource group or vault."""


FIELDS = {f.name for f in dataclasses.fields(Profile)}


def parse(text: str, source: str = "profile") -> Profile:
    from byok_tui import clouds, validate

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(source, f"not valid TOML ({e})") from e
    data = data.get("profile", data)
    if not isinstance(data, dict):
        raise InputError("profile", "must be a [profile] table")
    for key in data:
        if key not in FIELDS:
            raise InputError(f"profile.{key}", f"unknown field; expected one of: {', '.join(sorted(FIELDS))}")
    values: dict = {}
    for key, value in data.items():
        if key == "kore_ip_ranges":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError("profile.kore_ip_ranges", "must be a list of IPv4 addresses or CIDR ranges")
            for item in value:
                if problem := validate.ip_rule(item):
                    raise InputError("profile.kore_ip_ranges", problem)
            values[key] = tuple(value)
        elif not isinstance(value, str):
            raise InputError(f"profile.{key}", "must be text in quotes")
        elif key == "kore_host":  # Kore's "Environment URL", pasted with its scheme or a path: keep the host
            if problem := validate.kore_environment_url(value):
                raise InputError("profile.kore_host", problem)
            values[key] = validate.normalize_kore_host(value)
        else:
            values[key] = value
    if values.get("kore_client_id") and (problem := validate.kore_client_id(values["kore_client_id"])):
        raise InputError("profile.kore_client_id", problem)
    if "cloud" in values:
        try:
            clouds.get_cloud(values["cloud"])
        except clouds.UnknownCloud as e:
            raise InputError("profile.cloud", str(e)) from e
    if "region" in values and (problem := validate.location(values["region"])):
        raise InputError("profile.region", problem)
    return Profile(**values)


def load(path: str | os.PathLike | None = None) -> Profile:
    """The profile at `path`, `$BYOK_TUI_PROFILE` or ./byok.toml; the defaults when none exists."""
    chosen = path or os.environ.get("BYOK_TUI_PROFILE")
    if chosen is None:
        local = Path("byok.toml")
        if not local.exists():
            return Profile()
        chosen = local
    try:
        text = Path(chosen).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError("--profile", f"cannot read {chosen}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError(
            "--profile", f"{chosen} is not UTF-8 text (byte {e.start}); is it the right file?"
        ) from e
    try:
        return parse(text, str(chosen))
    except InputError as e:  # name the file too, not just the field
        if str(chosen) in e.title:
            raise
        raise InputError(f"{e.field} (in {chosen})", e.rule) from e
