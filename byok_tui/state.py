"""WizardState: the single source of truth that screens render and steps transform.

A tree of frozen dataclasses. Steps return a new state (`dataclasses.replace`), never mutate one.
`to_json` / `from_json` round-trip it exactly; the schema version guards old session files.
Nothing secret belongs here: a session file is written to disk after every change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import types
import typing
from dataclasses import dataclass, field
from typing import Any

# The one list of steps is the engine's registry (byok_tui.engine.steps, which imports nothing heavy and
# nothing of this module); the state keys its StepRecords by those ids and resumes in that order.
from byok_tui.engine.steps import IDS as STEP_IDS

SCHEMA_VERSION = 2
"""The session file's schema. 1: the first. 2: adds "written_by" (the byok-tui that saved the file), so a
file from a newer byok-tui can be refused with both versions named. `MIGRATIONS` reads every older one."""

OLDEST_SCHEMA_VERSION = 1


class StateError(ValueError):
    """A session file that cannot be read as a WizardState (names the field and why).

    `kind` says which: "damaged" (not JSON, cut short, or a field that does not fit), "foreign" (JSON, but
    not a byok-tui session) or "newer" (a session from a newer byok-tui: `found_version`, `written_by`).
    """

    def __init__(self, message: str, *, kind: str = "damaged", found_version: int | None = None,
                 written_by: str = "") -> None:  # fmt: skip
        super().__init__(message)
        self.kind = kind
        self.found_version = found_version
        self.written_by = written_by


def _written_by() -> str:
    from byok_tui import __version__

    return f"byok-tui {__version__}"


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only adds "written_by", which a version-1 file does not have."""
    return {**data, "schema_version": 2}


MIGRATIONS: dict[int, Any] = {1: _v1_to_v2}
"""version -> function that turns a file of that version into the next one's shape."""


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A session dict of any version this byok-tui knows, brought up to SCHEMA_VERSION (StateError otherwise)."""
    version = data.get("schema_version")
    if "schema_version" not in data:
        raise StateError("not a byok-tui session (it has no schema_version)", kind="foreign")
    if isinstance(version, bool) or not isinstance(version, int) or version < OLDEST_SCHEMA_VERSION:
        raise StateError(f"not a byok-tui session (schema_version is {version!r:.40})", kind="foreign")
    if version > SCHEMA_VERSION:
        written_by = data.get("written_by") if isinstance(data.get("written_by"), str) else ""
        raise StateError(
            f"written by a newer byok-tui ({(written_by or 'unknown version')[:40]}, session schema {version}); "
            f"this is {_written_by()}, which reads session schemas {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}",
            kind="newer", found_version=version, written_by=written_by[:40],
        )  # fmt: skip
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


@dataclass(frozen=True)
class SigninState:
    cloud: str = "AzureCloud"
    """CLI name of the cloud (see clouds.py)."""
    method: str = ""
    """How the operator signed in: device-code, azure-cli, environment, sandbox; "" before sign-in."""
    tenant_id: str = ""
    """Directory (tenant) id, a GUID; "" until chosen."""
    subscription_id: str = ""
    """Subscription that holds the vault, a GUID; "" until chosen."""
    operator_object_id: str = ""
    """Object id of the signed-in operator; "" when unknown."""
    account: str = ""
    """The operator's sign-in name (UPN) or app id, for display; "" when unknown."""


@dataclass(frozen=True)
class AuthorizeState:
    """Step 1: the Kore application's service principal in this tenant."""

    method: str = ""
    """"service-principal" (the wizard creates it via Graph) or "consent-url" (an admin consents)."""
    kore_client_id: str = ""
    """Application (client) id of Kore's multi-tenant app, from the profile."""
    sp_object_id: str = ""
    """Object id of Kore's service principal in this tenant; "" until it exists."""
    sp_display_name: str = ""


@dataclass(frozen=True)
class VaultState:
    """Step 2: the resource group, the vault and the RSA key (answers first, then what Azure reported)."""

    resource_group: str = ""
    create_resource_group: bool = False
    """True when the wizard should create the group; False adopts an existing one."""
    location: str = ""
    """Azure region, e.g. "eastus"; used for a new group and a new vault."""
    name: str = ""
    """Vault name (3-24 characters, globally unique)."""
    create_vault: bool = True
    """True to create the vault; False adopts an existing one (and may enable purge protection)."""
    sku: str = "standard"
    """"standard" or "premium" (premium allows HSM-backed keys)."""
    enable_purge_protection: bool = False
    """For an adopted vault without purge protection: the operator agreed to turn it on (irreversible)."""
    key_name: str = ""
    create_key: bool = True
    """True to generate the key; False adopts an existing key of that name."""
    key_size: int = 3072
    key_hsm: bool = False
    """True for RSA-HSM (premium vaults only)."""

    # What Azure reported after apply. Empty until the step has run.
    vault_id: str = ""
    """ARM resource id of the vault."""
    vault_uri: str = ""
    """Data-plane URI, e.g. https://name.vault.azure.net/."""
    rbac_authorization: bool | None = None
    """True when the vault uses Azure RBAC for its data plane, False for access policies, None unknown."""
    key_id: str = ""
    """Full key identifier with version, e.g. https://name.vault.azure.net/keys/k/0123…"""


@dataclass(frozen=True)
class AccessState:
    """Step 3: what lets Kore's service principal use the key."""

    mode: str = ""
    """"rbac" (a Key Vault Crypto User assignment) or "policy" (an access policy); "" before apply."""
    scope: str = ""
    """Where the access was granted (the vault's resource id)."""
    assignment_id: str = ""
    """Resource id of the role assignment, for "rbac"."""


@dataclass(frozen=True)
class ShareState:
    """Step 4: the hand-off to Kore.ai."""

    export_dir: str = ""
    """Folder the operator chose for the hand-off bundle; "" until exported."""
    exported: tuple[str, ...] = ()
    """Paths of the files written (JSON and Markdown)."""


@dataclass(frozen=True)
class NetworkState:
    """Step 5: how Kore reaches the vault."""

    mode: str = ""
    """"private-endpoint" or "firewall"; "" until chosen."""
    ip_rules: tuple[str, ...] = ()
    """IPv4 addresses or CIDR ranges to allow (Kore's ranges from the profile, plus any added)."""
    allow_trusted_services: bool = True
    """Let trusted Microsoft services bypass the firewall (bypass = AzureServices)."""
    allow_operator_ip: bool = True
    """Also allow this machine's public IP, so the wizard's later checks still reach the vault."""
    operator_ip: str = ""
    """This machine's public IP as the vault saw it; "" when unknown."""
    connection_name: str = ""
    """Name of the approved private-endpoint connection, for "private-endpoint"."""


@dataclass(frozen=True)
class ProtectState:
    """After Step 5, not in Kore's guide (recommended, skippable): guard rails on the vault and the key."""

    choice: str = ""
    """"protect" (put the protections up), "skip", or "remove" (take them down again); "" until chosen."""
    lock: bool = True
    """A CanNotDelete lock on the vault (it also keeps the role assignments at the vault's scope)."""
    alerts: bool = True
    """Activity-log tripwires (vault deleted or changed, a role assignment or the lock deleted) mailing `contacts`."""
    contacts: tuple[str, ...] = ()
    """E-mail addresses the action group mails when a tripwire or the key alert fires."""
    audit_log: bool = False
    """Send the vault's audit log (AuditEvent) to a Log Analytics workspace, with a log alert on key
    disable, delete and purge. Optional: it costs money (ingestion per GB)."""
    workspace_resource_group: str = ""
    """Resource group of the workspace; "" = the vault's."""
    workspace_name: str = ""
    create_workspace: bool = False
    """True: create the workspace (pay-as-you-go, 30 days' retention); False: use an existing one."""
    expiry_margin_days: int = 30
    """Warn when the key expires within this many days of the enforcement date (or of today)."""
    notify_policy: bool = False
    """Give the key a rotation policy that only notifies before expiry (never one that rotates it)."""

    # What the step found or made. Empty until it has run.
    key_expires_on: str = ""
    """The key's expiry (ISO-8601 UTC) as read before planning; "" when it never expires or is unknown."""
    key_read_on: str = ""
    """The day (ISO date) that expiry was read: the plan's "today" for its expiry warning."""
    lock_id: str = ""
    action_group_id: str = ""
    workspace_id: str = ""


@dataclass(frozen=True)
class EnterpriseKeyState:
    """Admin console > Enterprise Key > Create Key: what the operator enters there."""

    provider: str = "azure"
    key_identifier: str = ""
    """The key identifier URL for Kore, with or without a version (without: Kore follows the latest)."""
    tenant_id: str = ""
    """"Authentication credentials" in the console: the tenant id."""
    enforcement_date: str = ""
    """ISO date (YYYY-MM-DD) from which the key encrypts; "" until chosen."""


@dataclass(frozen=True)
class AppRef:
    """One Kore app or bot, as listed for the selection grid (no secrets: jwtApps are dropped on parse)."""

    id: str
    name: str
    purpose: str = ""
    status: str = ""


@dataclass(frozen=True)
class AppsState:
    source: str = ""
    """"kore-api", "file" or "sandbox"; "" until loaded."""
    file: str = ""
    """The exported JSON or CSV file, for source "file"."""
    kore_api_client_id: str = ""
    """Client id of the Kore admin app used for the API (its secret is never stored)."""
    kore_host: str = ""
    """Kore's Environment URL host from the answers or the apps screen (e.g. platform.kore.ai); "" = the profile's."""
    apps: tuple[AppRef, ...] = ()
    deselected: tuple[str, ...] = ()
    """Ids that stay on Kore's default key; every other app is encrypted with the customer's key."""


@dataclass(frozen=True)
class ConfirmState:
    confirmed_at: str = ""
    """ISO-8601 UTC time the operator pressed Proceed; "" before."""
    record_path: str = ""
    """Where the final record was written."""


@dataclass(frozen=True)
class ValidationState:
    ticked: tuple[str, ...] = ()
    """Ids of the post-enforcement checklist items the operator confirmed."""


@dataclass(frozen=True)
class StepRecord:
    """How far one step has got."""

    applied: bool = False
    """Every planned change was applied (or adopted)."""
    checked: str = ""
    """Outcome of the last live check: "pass", "warn", "fail", or "" if never checked."""
    applied_changes: tuple[str, ...] = ()
    """Ids of the changes applied so far: resume skips none of them, but re-applying is an adopt."""
    updated_at: str = ""
    """ISO-8601 UTC time of the last change to this record."""


@dataclass(frozen=True)
class WizardState:
    schema_version: int = SCHEMA_VERSION
    session_id: str = ""
    """Random id for this onboarding session (shown in the header and the journal)."""
    signin: SigninState = field(default_factory=SigninState)
    authorize: AuthorizeState = field(default_factory=AuthorizeState)
    vault: VaultState = field(default_factory=VaultState)
    access: AccessState = field(default_factory=AccessState)
    share: ShareState = field(default_factory=ShareState)
    network: NetworkState = field(default_factory=NetworkState)
    protect: ProtectState = field(default_factory=ProtectState)
    enterprise_key: EnterpriseKeyState = field(default_factory=EnterpriseKeyState)
    apps: AppsState = field(default_factory=AppsState)
    confirm: ConfirmState = field(default_factory=ConfirmState)
    validation: ValidationState = field(default_factory=ValidationState)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    """Progress per step id (see STEP_IDS); a missing entry means not started."""

    def step(self, step_id: str) -> StepRecord:
        return self.steps.get(step_id, StepRecord())

    def with_step(self, step_id: str, record: StepRecord) -> WizardState:
        return dataclasses.replace(self, steps={**self.steps, step_id: record})

    def resume_point(self) -> str:
        """The first step that is not yet applied and passing: where an interrupted session picks up."""
        for step_id in STEP_IDS:
            record = self.step(step_id)
            if not (record.applied and record.checked in ("pass", "warn")):
                return step_id
        return STEP_IDS[-1]

    # --- JSON ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return _encode(self)

    def to_json(self) -> str:
        # Compact: with `indent`, json falls back from its C encoder to pure Python, and a session with
        # Kore's 5,000 apps then takes 20 ms more to save, on the UI thread, after every change.
        # (`python -m json.tool session.json` shows it indented.)
        # A long tuple (Kore's apps) is written as JSON once and reused while the state keeps the same tuple:
        # every toggle in the apps grid saves the session, and encoding 5,000 apps again each time was
        # 17 ms of CPU on the writer thread, 6 ms of it in json's C encoder holding the GIL the UI needs.
        long: dict[str, str] = {}
        text = json.dumps({**_encode(self, long), "written_by": _written_by()}, **_JSON)
        for token, fragment in long.items():
            text = text.replace(json.dumps(token), fragment, 1)
        return text

    @classmethod
    def from_dict(cls, data: Any) -> WizardState:
        if not isinstance(data, dict):
            raise StateError("not a byok-tui session (the top level is not a JSON object)", kind="foreign")
        data = migrate(data)
        data.pop("written_by", None)
        return _decode(cls, data, "")

    @classmethod
    def from_json(cls, text: str) -> WizardState:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            cut = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
            what = e.msg.removesuffix(" starting at").lower()  # json's own words, e.g. "expecting value"
            why = "cut short (the end is missing)" if cut else f"{what} at line {e.lineno} column {e.colno}"
            raise StateError(f"not valid JSON: {why}") from e
        except (ValueError, RecursionError) as e:  # absurd nesting or numbers: still not a session
            raise StateError("not a byok-tui session (unreadable JSON)", kind="foreign") from e
        return cls.from_dict(data)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_JSON: dict[str, Any] = {"sort_keys": True, "separators": (",", ":")}
LONG = 200
"""Tuples at least this long are encoded once per tuple object (see `WizardState.to_json`)."""
_TOKEN = f"byok-tui:long:{os.urandom(8).hex()}:"
"""Stands for a long tuple's JSON in the text being built; random, so no value in a session can equal it."""
_fragments: dict[int, tuple[tuple[Any, ...], str]] = {}
"""id(tuple) -> (the tuple, kept alive so its id stays its own; its JSON). The newest two."""


_fragments_lock = threading.Lock()
"""The session writer's thread and the Apps screen's (which writes a new list ahead) may both save at once."""


def _fragment(value: tuple[Any, ...]) -> str:
    with _fragments_lock:
        cached = _fragments.get(id(value))
    if cached is not None and cached[0] is value:
        return cached[1]
    text = json.dumps([_encode(v) for v in value], **_JSON)
    with _fragments_lock:
        _fragments[id(value)] = (value, text)
        while len(_fragments) > 2:
            del _fragments[next(iter(_fragments))]
    return text


def _encode(value: Any, long: dict[str, str] | None = None) -> Any:
    """JSON-ready data for `value`. With `long`, a long tuple becomes a token, its JSON text in `long`."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, tuple | list):
        if long is not None and isinstance(value, tuple) and len(value) >= LONG:
            token = f"{_TOKEN}{len(long)}"
            long[token] = _fragment(value)
            return token
        return [_encode(v, long) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, long) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Field names cached per class: dataclasses.fields() per object was most of a big session's save.
        return {name: _encode(getattr(value, name), long) for name in _field_names(type(value))}
    return value


def _decode(tp: Any, data: Any, path: str) -> Any:
    """Decode JSON data into type `tp`, naming the offending field on a mismatch."""
    where = path or "session"
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise StateError(f"{where}: expected an object")
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise StateError(f"{where}: unknown field {unknown[0]!r}")
        kwargs = {
            name: _decode(hints[name], data[name], f"{path}.{name}" if path else name)
            for name in known
            if name in data
        }
        return tp(**kwargs)
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(data, dict):
            raise StateError(f"{where}: expected an object")
        return {str(k): _decode(val_tp, v, f"{where}.{k}") for k, v in data.items()}
    if origin is tuple:
        (item_tp, *_rest) = typing.get_args(tp)
        if not isinstance(data, list):
            raise StateError(f"{where}: expected a list")
        return tuple(_decode(item_tp, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data, path)
            except StateError:
                continue
        raise StateError(f"{where}: unexpected value {data!r:.60}")
    if tp is bool:
        if not isinstance(data, bool):
            raise StateError(f"{where}: expected true or false")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise StateError(f"{where}: expected a whole number")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise StateError(f"{where}: expected text")
        return data
    raise StateError(f"{where}: unsupported type {tp!r}")
