"""Key Vault keys: the routes, what each needs, and what each does (azure-wire §3.2-§3.6).

Every route carries the access-policy permission and the RBAC data action it requires, so the front door
(`keyvault_data.py`) can refuse before anything runs. Replies use the KeyBundle shapes the SDK parses;
private key material never leaves this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from byok_tui.sandbox import keycrypto
from byok_tui.sandbox.errors import ApiError, kv_bad_parameter, kv_error
from byok_tui.sandbox.router import Reply, Request, route
from byok_tui.sandbox.tokens import b64url, b64url_decode
from byok_tui.sandbox.world import Key, KeyVersion, Vault

if TYPE_CHECKING:
    from byok_tui.sandbox.keyvault_data import KvContext

KEY_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
KEY_OPS = ("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export")
DEFAULT_RSA_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
MAX_PAGE = 25
DA = "Microsoft.KeyVault/vaults/keys/"


@dataclass(frozen=True)
class Operation:
    run: Callable[[KvContext, Request], Reply]
    permission: str
    """Access-policy key permission (`get`, `decrypt`, …)."""
    data_action: str
    """RBAC data action (`Microsoft.KeyVault/vaults/keys/decrypt/action`, …)."""


# ---- shapes --------------------------------------------------------------------------------------------


def recovery(vault: Vault) -> tuple[str, int]:
    """recoveryLevel and recoverableDays from the vault's soft-delete settings (azure-wire §3.3)."""
    days = int(vault.properties.get("softDeleteRetentionInDays", 90))
    level = "Recoverable" if vault.properties.get("enablePurgeProtection") else "Recoverable+Purgeable"
    return ("Customized" + level if days < 90 else level), days


def attributes(vault: Vault, v: KeyVersion) -> dict[str, Any]:
    level, days = recovery(vault)
    attrs: dict[str, Any] = {"enabled": v.enabled}
    if v.nbf is not None:
        attrs["nbf"] = v.nbf
    if v.exp is not None:
        attrs["exp"] = v.exp
    attrs.update(
        created=v.created, updated=v.updated, recoveryLevel=level, recoverableDays=days, exportable=False
    )
    # `hsmPlatform` "0" for software-protected keys (recorded); "2" for RSA-HSM keys in a premium vault (the
    # value `az keyvault key create --kty RSA-HSM` prints today). RSA keys also carry `key_size` here.
    attrs["key_size"] = v.key_size
    attrs["hsmPlatform"] = "2" if v.kty.endswith("-HSM") else "0"
    return attrs


def kid(ctx: KvContext, key: Key, v: KeyVersion) -> str:
    return f"{ctx.base}/keys/{key.name}/{v.version}"


def bundle(ctx: KvContext, key: Key, v: KeyVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": {"kid": kid(ctx, key, v), "kty": v.kty, "key_ops": list(v.key_ops), "n": v.n, "e": v.e},
        "attributes": attributes(ctx.vault, v),
    }
    if v.tags is not None:
        body["tags"] = dict(v.tags)
    return body


def deleted_bundle(ctx: KvContext, key: Key) -> dict[str, Any]:
    body = bundle(ctx, key, key.latest)
    body.update(
        recoveryId=f"{ctx.base}/deletedkeys/{key.name}",
        deletedDate=key.deleted_date,
        scheduledPurgeDate=key.scheduled_purge_date,
    )
    return body


def item(ctx: KvContext, key: Key, v: KeyVersion, *, versioned: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kid": kid(ctx, key, v) if versioned else f"{ctx.base}/keys/{key.name}",
        "attributes": attributes(ctx.vault, v),
    }
    if v.tags is not None:
        body["tags"] = dict(v.tags)
    return body


def page(ctx: KvContext, items: list[dict[str, Any]]) -> Reply:
    """`maxresults` 1-25 (service default 25); `nextLink` is absolute and carries `:443` like the service."""
    query = ctx.request.query
    try:
        size = int(query.get("maxresults") or MAX_PAGE)
        start = int(query.get("$skiptoken") or 0)
    except ValueError as exc:
        raise kv_bad_parameter("maxresults must be an integer between 1 and 25.") from exc
    if not 1 <= size <= MAX_PAGE:
        raise kv_bad_parameter(
            f"The value {size} of maxresults is out of range: it must be between 1 and 25."
        )
    body: dict[str, Any] = {"value": items[start : start + size], "nextLink": None}
    if start + size < len(items):
        body["nextLink"] = (
            f"https://{ctx.vault.host}:443{ctx.request.path}?api-version="
            f"{query.get('api-version')}&$skiptoken={start + size}&maxresults={size}"
        )
    return Reply(200, body)


# ---- lookups -------------------------------------------------------------------------------------------


def _not_found(name: str) -> ApiError:
    return kv_error(
        404,
        "KeyNotFound",
        f"A key with (name/id) {name} was not found in this key vault. If you recently deleted this key "
        "you may be able to recover it using the correct recovery command. For help resolving this "
        "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182",
    )


def live_key(ctx: KvContext, name: str) -> Key:
    key = ctx.vault.keys.get(name.lower())
    if key is None or key.is_deleted:
        raise _not_found(name)
    return key


def live_version(ctx: KvContext, name: str, version: str) -> tuple[Key, KeyVersion]:
    key = live_key(ctx, name)
    v = key.version(version)
    if v is None:
        raise _not_found(f"{name}/{version}")
    return key, v


def deleted_key(ctx: KvContext, name: str) -> Key:
    key = ctx.vault.keys.get(name.lower())
    if key is None or not key.is_deleted:
        raise kv_error(404, "KeyNotFound", f"Deleted Key not found: {name}")
    return key


# ---- request parsing ----------------------------------------------------------------------------------


def _body(req: Request) -> dict[str, Any]:
    body = req.json(kv_bad_parameter)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise kv_bad_parameter("The request body must be a JSON object.")
    return body


def _check_name(name: str) -> None:
    if not KEY_NAME.match(name):
        raise kv_bad_parameter(f"The request URI contains an invalid name: {name}")


def _key_ops(value: Any, default: list[str]) -> list[str]:
    if value is None:
        return list(default)
    if not isinstance(value, list) or any(op not in KEY_OPS for op in value):
        raise kv_bad_parameter(f"Invalid key_ops: {value}. Allowed values are {', '.join(KEY_OPS)}.")
    return list(dict.fromkeys(value))


def _tags(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise kv_bad_parameter("tags must be an object of string values.")
    if len(value) > 15:
        raise kv_bad_parameter("A key can have at most 15 tags.")
    return dict(value)


def _timestamp(attrs: dict[str, Any], name: str, current: int | None) -> int | None:
    if name not in attrs:
        return current
    value = attrs[name]
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise kv_bad_parameter(f"attributes.{name} must be an integer number of seconds since the epoch.")
    return value


def _attrs(body: dict[str, Any]) -> dict[str, Any]:
    attrs = body.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise kv_bad_parameter("attributes must be an object.")
    if "enabled" in attrs and not isinstance(attrs["enabled"], bool):
        raise kv_bad_parameter("attributes.enabled must be a boolean.")
    return attrs


def _refuse_if_deleted(ctx: KvContext, name: str) -> None:
    key = ctx.vault.keys.get(name.lower())
    if key is not None and key.is_deleted:
        raise kv_error(
            409,
            "Conflict",
            f"Key {name} is currently in a deleted but recoverable state, and its name cannot be reused; "
            "in this state, the key can only be recovered or purged.",
            "ObjectIsDeletedButRecoverable",
        )


def _kty(ctx: KvContext, kty: Any) -> str:
    if kty not in ("RSA", "RSA-HSM"):
        raise kv_bad_parameter(f"The key type '{kty}' is not supported by the sandbox; use RSA or RSA-HSM.")
    if kty == "RSA-HSM" and ctx.vault.properties["sku"]["name"] != "premium":
        raise kv_bad_parameter(
            "HSM-protected keys (RSA-HSM) require a Premium vault; this vault's SKU is "
            "Standard. Create an RSA key or use a Premium vault."
        )
    return kty


# ---- key lifecycle -------------------------------------------------------------------------------------


def _add_version(
    ctx: KvContext, name: str, kty: str, private: Any, body: dict[str, Any], key_ops: list[str]
) -> tuple[Key, KeyVersion]:
    attrs = _attrs(body)
    now = int(ctx.world.now())
    n, e = keycrypto.public_parts(private)
    version = KeyVersion(
        version=ctx.world.new_hex(),
        kty=kty,
        key_size=private.key_size,
        key_ops=key_ops,
        enabled=attrs.get("enabled", True),
        nbf=_timestamp(attrs, "nbf", None),
        exp=_timestamp(attrs, "exp", None),
        created=now,
        updated=now,
        tags=_tags(body.get("tags")),
        private_pem=keycrypto.to_pem(private),
        n=n,
        e=e,
    )
    key = ctx.vault.keys.get(name.lower())
    if key is None:
        key = ctx.vault.keys[name.lower()] = Key(name=name, versions=[])
    key.versions.append(version)
    ctx.world.changed()
    return key, version


def create_key(ctx: KvContext, req: Request) -> Reply:
    name = req.params["name"]
    _check_name(name)
    body = _body(req)
    kty = _kty(ctx, body.get("kty"))
    size = body.get("key_size", 2048)
    if size not in keycrypto.RSA_SIZES:
        raise kv_bad_parameter(
            f"The key size {size} is not supported. RSA keys can be 2048, 3072 or 4096 bits."
        )
    if body.get("public_exponent") not in (None, 65537):
        raise kv_bad_parameter("Only the public exponent 65537 is supported.")
    if body.get("crv") is not None:
        raise kv_bad_parameter("crv is not valid for an RSA key.")
    _refuse_if_deleted(ctx, name)
    # an empty key_ops gets the default operations, as an absent one does (docs/sandbox.md)
    key_ops = _key_ops(body.get("key_ops") or None, DEFAULT_RSA_OPS)
    key, version = _add_version(ctx, name, kty, keycrypto.generate(size), body, key_ops)
    return Reply(200, bundle(ctx, key, version))


def import_key(ctx: KvContext, req: Request) -> Reply:
    name = req.params["name"]
    _check_name(name)
    body = _body(req)
    jwk = body.get("key")
    if not isinstance(jwk, dict):
        raise kv_bad_parameter("The request must carry the key to import as a JSON Web Key in 'key'.")
    kty = _kty(ctx, "RSA-HSM" if body.get("Hsm") or jwk.get("kty") == "RSA-HSM" else jwk.get("kty"))
    try:
        private = keycrypto.from_jwk(jwk)
    except ValueError as exc:
        raise kv_bad_parameter(f"The key to import is not a valid RSA private key: {exc}.") from exc
    if private.key_size not in keycrypto.RSA_SIZES:
        raise kv_bad_parameter(
            f"The key size {private.key_size} is not supported. RSA keys can be 2048, 3072 or 4096 bits."
        )
    _refuse_if_deleted(ctx, name)
    key_ops = _key_ops(jwk.get("key_ops"), DEFAULT_RSA_OPS)
    key, version = _add_version(ctx, name, kty, private, body, key_ops)
    return Reply(200, bundle(ctx, key, version))


def get_key(ctx: KvContext, req: Request) -> Reply:
    key, v = live_version(ctx, req.params["name"], req.params.get("version", ""))
    return Reply(200, bundle(ctx, key, v))


def list_keys(ctx: KvContext, req: Request) -> Reply:
    live = sorted((k for k in ctx.vault.keys.values() if not k.is_deleted), key=lambda k: k.name.lower())
    return page(ctx, [item(ctx, k, k.latest, versioned=False) for k in live])


def list_versions(ctx: KvContext, req: Request) -> Reply:
    key = ctx.vault.keys.get(req.params["name"].lower())
    # Key Vault lists versions in the order of their ids, not of their creation (recording test_list_versions)
    versions = [] if key is None or key.is_deleted else sorted(key.versions, key=lambda v: v.version.lower())
    return page(ctx, [item(ctx, key, v, versioned=True) for v in versions])


def update_key(ctx: KvContext, req: Request) -> Reply:
    key, v = live_version(ctx, req.params["name"], req.params.get("version", ""))
    body = _body(req)
    attrs = _attrs(body)
    v.key_ops = _key_ops(body.get("key_ops"), v.key_ops)
    v.enabled = attrs.get("enabled", v.enabled)
    v.nbf = _timestamp(attrs, "nbf", v.nbf)
    v.exp = _timestamp(attrs, "exp", v.exp)
    tags = _tags(body.get("tags"))
    if tags is not None:
        v.tags = tags
    v.updated = int(ctx.world.now())
    ctx.world.changed()
    return Reply(200, bundle(ctx, key, v))


def rotate_key(ctx: KvContext, req: Request) -> Reply:
    """A new version like the latest one (type, size, operations, tags), enabled, with no validity window."""
    key = live_key(ctx, req.params["name"])
    latest = key.latest
    body = {"tags": latest.tags}
    key, version = _add_version(
        ctx, key.name, latest.kty, keycrypto.generate(latest.key_size), body, list(latest.key_ops)
    )
    return Reply(200, bundle(ctx, key, version))


def delete_key(ctx: KvContext, req: Request) -> Reply:
    key = live_key(ctx, req.params["name"])
    now = int(ctx.world.now())
    _, days = recovery(ctx.vault)
    key.deleted_date, key.scheduled_purge_date = now, now + days * 86400
    ctx.world.changed()
    return Reply(200, deleted_bundle(ctx, key))


def get_deleted(ctx: KvContext, req: Request) -> Reply:
    return Reply(200, deleted_bundle(ctx, deleted_key(ctx, req.params["name"])))


def list_deleted(ctx: KvContext, req: Request) -> Reply:
    gone = sorted((k for k in ctx.vault.keys.values() if k.is_deleted), key=lambda k: k.name.lower())
    items = []
    for k in gone:
        entry = item(ctx, k, k.latest, versioned=False)
        entry.update(
            recoveryId=f"{ctx.base}/deletedkeys/{k.name}",
            deletedDate=k.deleted_date,
            scheduledPurgeDate=k.scheduled_purge_date,
        )
        items.append(entry)
    return page(ctx, items)


def recover_key(ctx: KvContext, req: Request) -> Reply:
    key = deleted_key(ctx, req.params["name"])
    key.deleted_date = key.scheduled_purge_date = None
    ctx.world.changed()
    return Reply(200, bundle(ctx, key, key.latest))


def purge_key(ctx: KvContext, req: Request) -> Reply:
    key = deleted_key(ctx, req.params["name"])
    if ctx.vault.properties.get("enablePurgeProtection"):
        raise kv_error(
            403,
            "Forbidden",
            'Operation "purge" is not allowed because purge protection is enabled for this vault. Key '
            "Vault service will automatically purge it after the retention period has passed.",
        )
    del ctx.vault.keys[key.name.lower()]
    ctx.world.changed()
    return Reply(204)


# ---- cryptography --------------------------------------------------------------------------------------


def _usable(ctx: KvContext, v: KeyVersion, op: str) -> None:
    """Disabled keys refuse everything; outside nbf/exp only decrypt/unwrap still work (Key Vault docs:
    "Date-time controlled operations")."""
    if not v.enabled:
        raise kv_error(403, "Forbidden", f"Operation {op} is not allowed on a disabled key.", "KeyDisabled")
    if op not in v.key_ops:
        raise kv_error(
            403,
            "Forbidden",
            f"Operation {op} is not permitted on this key; its key_ops are {', '.join(v.key_ops)}.",
        )
    if op in ("encrypt", "wrapKey"):
        now = ctx.world.now()
        if v.nbf is not None and now < v.nbf:
            raise kv_error(403, "Forbidden", f"Operation {op} is not allowed on a key that is not yet valid.")
        if v.exp is not None and now >= v.exp:
            raise kv_error(403, "Forbidden", f"Operation {op} is not allowed on an expired key.")


def _crypto(op: str) -> Callable[[KvContext, Request], Reply]:
    def run(ctx: KvContext, req: Request) -> Reply:
        key, v = live_version(ctx, req.params["name"], req.params.get("version", ""))
        _usable(ctx, v, op)
        body = _body(req)
        alg, value = body.get("alg"), body.get("value")
        if alg not in keycrypto.ALGORITHMS:
            raise kv_bad_parameter(
                f"Invalid algorithm '{alg}' for an RSA key. Use RSA-OAEP, RSA-OAEP-256 or RSA1_5."
            )
        try:
            data = b64url_decode(str(value))
        except ValueError as exc:  # binascii.Error is a ValueError
            raise kv_bad_parameter("The 'value' parameter is not valid base64url.") from exc
        private = keycrypto.load(v.private_pem)
        try:
            if op in ("encrypt", "wrapKey"):
                result = keycrypto.encrypt(private, alg, data)
            else:
                result = keycrypto.decrypt(private, alg, data)
        except ValueError as exc:
            raise kv_bad_parameter("The parameter is incorrect.") from exc
        return Reply(200, {"kid": kid(ctx, key, v), "value": b64url(result)})

    return run


# ---- rotation policy -----------------------------------------------------------------------------------

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")
DEFAULT_LIFETIME_ACTIONS = [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]
"""What Key Vault reports for a key whose rotation policy was never set: notify 30 days before expiry."""


def _days(duration: Any) -> int | None:
    """Days in an ISO 8601 date duration (Key Vault accepts years, months and days), None if not one."""
    m = _DURATION.match(duration) if isinstance(duration, str) else None
    if m is None or not any(m.groups()):
        return None
    years, months, days = (int(g or 0) for g in m.groups())
    return years * 365 + months * 30 + days


def _policy(ctx: KvContext, key: Key) -> dict[str, Any]:
    """A policy never set has Key Vault's default actions and no id nor timestamps (the SDKs document
    `id`, `createdOn` and `updatedOn` as undefined until a policy is set)."""
    if key.rotation_policy is None:
        return {"lifetimeActions": DEFAULT_LIFETIME_ACTIONS, "attributes": {}}
    return {
        "id": f"{ctx.base}/keys/{key.name}/rotationpolicy",
        "lifetimeActions": key.rotation_policy.get("lifetimeActions", []),
        "attributes": dict(key.rotation_policy.get("attributes", {})),
    }


def get_rotation_policy(ctx: KvContext, req: Request) -> Reply:
    return Reply(200, _policy(ctx, live_key(ctx, req.params["name"])))


def put_rotation_policy(ctx: KvContext, req: Request) -> Reply:
    key = live_key(ctx, req.params["name"])
    body = _body(req)
    actions = body.get("lifetimeActions") or []
    attrs = body.get("attributes") or {}
    if not isinstance(actions, list) or not isinstance(attrs, dict):
        raise kv_bad_parameter("lifetimeActions must be a list and attributes an object.")
    expiry = attrs.get("expiryTime")
    if expiry is not None and (_days(expiry) is None or _days(expiry) < 28):
        raise kv_bad_parameter(
            "The policy's expiryTime must be an ISO 8601 duration of at least 28 days (P28D)."
        )
    for action in actions:
        kind = ((action or {}).get("action") or {}).get("type", "")
        trigger = (action or {}).get("trigger") or {}
        if str(kind).lower() not in ("rotate", "notify"):
            raise kv_bad_parameter(f"Unknown lifetime action type '{kind}': use Rotate or Notify.")
        if len(trigger) != 1 or not set(trigger) <= {"timeAfterCreate", "timeBeforeExpiry"}:
            raise kv_bad_parameter(
                "Each lifetime action needs exactly one trigger: timeAfterCreate or timeBeforeExpiry."
            )
        before = trigger.get("timeBeforeExpiry")
        if str(kind).lower() == "notify" and before is None:
            raise kv_bad_parameter("A Notify action is triggered by timeBeforeExpiry only.")
        if before is not None and (_days(before) is None or _days(before) < 7):
            raise kv_bad_parameter("timeBeforeExpiry must be an ISO 8601 duration of at least 7 days (P7D).")
    now = int(ctx.world.now())
    created = (key.rotation_policy or {}).get("attributes", {}).get("created", now)
    key.rotation_policy = {
        "lifetimeActions": actions,
        "attributes": {**({"expiryTime": expiry} if expiry else {}), "created": created, "updated": now},
    }
    ctx.world.changed()
    return Reply(200, _policy(ctx, key))


# ---- the route table -----------------------------------------------------------------------------------


def _op(method: str, pattern: str, run: Callable[[KvContext, Request], Reply], permission: str, action: str):
    return route(method, pattern, Operation(run, permission, action))  # type: ignore[arg-type]


ROUTES = (
    _op("GET", "/keys", list_keys, "list", DA + "read"),
    _op("GET", "/keys/{name}/versions", list_versions, "list", DA + "read"),
    _op("POST", "/keys/{name}/create", create_key, "create", DA + "create/action"),
    _op("POST", "/keys/{name}/rotate", rotate_key, "rotate", DA + "rotate/action"),
    _op("PUT", "/keys/{name}", import_key, "import", DA + "import/action"),
    _op(
        "GET",
        "/keys/{name}/rotationpolicy",
        get_rotation_policy,
        "getrotationpolicy",
        "Microsoft.KeyVault/vaults/keyrotationpolicies/read",
    ),
    _op(
        "PUT",
        "/keys/{name}/rotationpolicy",
        put_rotation_policy,
        "setrotationpolicy",
        "Microsoft.KeyVault/vaults/keyrotationpolicies/write",
    ),
    _op("GET", "/keys/{name}", get_key, "get", DA + "read"),
    _op("GET", "/keys/{name}/{version}", get_key, "get", DA + "read"),
    _op("PATCH", "/keys/{name}", update_key, "update", DA + "update/action"),
    _op("PATCH", "/keys/{name}/{version}", update_key, "update", DA + "update/action"),
    _op("DELETE", "/keys/{name}", delete_key, "delete", DA + "delete"),
    _op("GET", "/deletedkeys", list_deleted, "list", DA + "read"),
    _op("GET", "/deletedkeys/{name}", get_deleted, "get", DA + "read"),
    _op("POST", "/deletedkeys/{name}/recover", recover_key, "recover", DA + "recover/action"),
    _op("DELETE", "/deletedkeys/{name}", purge_key, "purge", DA + "purge/action"),
    _op("POST", "/keys/{name}/{version}/encrypt", _crypto("encrypt"), "encrypt", DA + "encrypt/action"),
    _op("POST", "/keys/{name}/{version}/decrypt", _crypto("decrypt"), "decrypt", DA + "decrypt/action"),
    _op("POST", "/keys/{name}/{version}/wrapkey", _crypto("wrapKey"), "wrapKey", DA + "wrap/action"),
    _op("POST", "/keys/{name}/{version}/unwrapkey", _crypto("unwrapKey"), "unwrapKey", DA + "unwrap/action"),
)
