"""Conformance with Azure's own recordings: replay the request half of azure-sdk-assets recordings against the
sandbox and compare what clients read — status, the headers they look at, the JSON shape (keys at every level,
types, error codes) and the recorded facts — ignoring values that differ by nature (ids, keys, dates).

Fixtures in tests/sandbox/recordings/ name the repository, path and commit of each recording; docs/sandbox.md
lists them and every difference that remains."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from byok_tui.sandbox import Sandbox
from tests.sandbox.conftest import create_vault

RECORDINGS = Path(__file__).parent / "recordings"
ARM = "https://management.azure.com"
ARM_SCOPE = "https://management.azure.com/.default"
VAULT_SCOPE = "https://vault.azure.net/.default"


def skeleton(value: Any) -> Any:
    """The shape of a JSON value: objects by their keys, lists by their first element, scalars by type."""
    if isinstance(value, dict):
        return {k: skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "int", str: "str"}[type(value)]


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = [f"{where}/{k}: missing" for k in expected if k not in actual]
        found += [f"{where}/{k}: not in the recording" for k in actual if k not in expected]
        for k in expected.keys() & actual.keys():
            found += differences(expected[k], actual[k], f"{where}/{k}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if expected and actual:
            return differences(expected[0], actual[0], f"{where}/0")
        return [] if not expected or not actual else [f"{where}: list shape"]
    return [] if expected == actual else [f"{where}: {actual!r}, recorded {expected!r}"]


def pointer(document: Any, path: str) -> Any:
    for part in path.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, dict):
        return {fill(k, names): fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def load(name: str) -> dict[str, Any]:
    fixture = json.loads((RECORDINGS / name).read_text())
    source = fixture["source"]
    assert source["repository"] == "Azure/azure-sdk-assets" and len(source["commit"]) == 40
    return fixture


async def replay(
    sb: Sandbox, fixture: dict[str, Any], base: str, names: dict[str, str], scope: str, clock=None
):
    shapes = fixture.get("shapes", {})
    token = (await sb.credential().get_token(scope)).token
    api_version = fixture["source"]["api_version"]
    last: tuple[int, dict[str, str], Any] | None = None
    for entry in fixture["entries"]:
        for _ in range(entry.get("repeat", 1)):
            if clock is not None and "at" in entry:
                clock["now"] = clock["start"] + entry["at"]
            req = entry["request"]
            if "follow" in entry:
                assert last is not None
                follow = entry["follow"]
                url = last[1][follow] if follow in last[1] else last[2][follow]
            else:
                query = {"api-version": api_version, **req.get("query", {})}
                url = base + fill(req["path"], names) + "?" + urlencode(query)
            body = b""
            headers = [("x-ms-client-request-id", "conformance-1")]
            if "body" in req:
                body = json.dumps(fill(req["body"], names)).encode()
                headers.append(("Content-Type", "application/json"))
            if entry.get("auth", True):
                headers.append(("Authorization", f"Bearer {token}"))
            status, reply_headers, raw = sb.dispatch(req["method"], url, headers, body)
            got = json.loads(raw) if raw else None
            expected = entry["response"]
            label = f"{fixture['source']['path'].rsplit('/', 1)[-1]} · {entry['name']}"
            assert status == expected["status"], (label, got)
            lower = {k.lower(): v for k, v in reply_headers.items()}
            header_facts = expected.get("headers") or {}
            header_facts = (
                shapes.get(header_facts, header_facts) if isinstance(header_facts, str) else header_facts
            )
            for name, value in fill(header_facts, names).items():
                assert name.lower() in lower, (label, f"header {name} missing")
                if value is not None:
                    assert lower[name.lower()] == value, (label, name)
            for name in expected.get("absent_headers", []):
                assert name.lower() not in lower, (label, f"header {name} present")
            shape = expected.get("shape")
            shape = shapes.get(shape, shape) if isinstance(shape, str) else shape
            if shape is None:
                assert got is None, (label, got)
            else:
                assert differences(shape, skeleton(got)) == [], label
            for path, value in fill(expected.get("facts", {}), names).items():
                assert pointer(got, path) == value, (label, path)
            if expected.get("sorted_by_version"):
                versions = [item["kid"].rsplit("/", 1)[-1] for item in got["value"]]
                assert versions == sorted(versions), label
            last = (status, reply_headers, got)


async def test_vault_lifecycle_follows_the_management_recording():
    sb = Sandbox.create("default", faults=load("mgmt_keyvault_vault_lifecycle.json")["sandbox"]["faults"])
    clock = {"start": 1_800_000_000.0, "now": 1_800_000_000.0}
    sb.world.clock = lambda: clock["now"]
    names = {"sub": sb.subscription_id, "rg": "rg-contoso-prod", "vault": "myVaultAbcXyz",
             "vault_lower": "myvaultabcxyz", "tenant": sb.tenant_id, "operator": sb.operator_object_id}  # fmt: skip
    await replay(sb, load("mgmt_keyvault_vault_lifecycle.json"), ARM, names, ARM_SCOPE, clock)


@pytest.mark.parametrize("recording", ["keys_crud_2025_07_01.json", "keys_list_versions_2025_07_01.json"])
async def test_keys_follow_the_data_plane_recordings(recording):
    fixture = load(recording)
    sb = Sandbox.create("default")
    vault = await create_vault(sb, "kv-conformance", **fixture["vault"])
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    names = {"key": "livekvtestcrud-rsa-key9b252e19", "tenant": sb.tenant_id, "operator_ip": sb.operator_ip,
             "vault_lower": "kv-conformance"}  # fmt: skip
    await replay(sb, fixture, "https://kv-conformance.vault.azure.net", names, VAULT_SCOPE)


async def test_empty_key_ops_get_the_defaults_empty_tags_are_echoed_and_the_request_id_comes_back():
    """Facts from comparing the sandbox with live traffic (issue #14) that the fixtures above do not hold."""
    sb = Sandbox.create("default")
    vault = await create_vault(sb, "kv-conformance")
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    token = (await sb.credential().get_token(VAULT_SCOPE)).token
    status, headers, raw = sb.dispatch(
        "POST", "https://kv-conformance.vault.azure.net/keys/k/create?api-version=2025-07-01",
        [("Authorization", f"Bearer {token}"), ("x-ms-client-request-id", "abc-123"),
         ("Content-Type", "application/json")],
        json.dumps({"kty": "RSA", "key_ops": [], "tags": {}}).encode(),
    )  # fmt: skip
    body = json.loads(raw)
    assert status == 200 and headers["x-ms-client-request-id"] == "abc-123"
    assert body["key"]["key_ops"] == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    assert body["tags"] == {}
