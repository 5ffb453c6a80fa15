"""Admin console > Test Configuration: connectivity, authentication, encryption, decryption.

Each test is live, timed, and comes with a remedy when it fails. Encryption is posted to the vault on
purpose (the SDK would do it locally). Kore's own readiness that can be seen from here is shown too,
and in the sandbox the four tests also run as Kore's service principal.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Awaitable, Callable

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult
from byok_tui.engine.step import Step, needs_enterprise_key, undated_check
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

STEP_ID = "test"
TITLE = "Test configuration"
PURPOSE = "Prove the key works end to end: reach the vault, authenticate, encrypt and decrypt in the vault."


SECTIONS = {
    "test": "From here, as you",
    "kore": "Kore's readiness, as far as it shows from here",
    "kore.test": "As Kore's service principal (sandbox only)",
}
"""Result id prefix -> the heading it shows under (see `section_of`)."""


def section_of(result: CheckResult) -> str:
    """Which group a result belongs to: your four tests, Kore's readiness, or the four tests as Kore."""
    if result.id.startswith("kore.test."):
        return SECTIONS["kore.test"]
    if result.id.startswith("kore."):
        return SECTIONS["kore"]
    return SECTIONS["test"]


def passed(results: list[CheckResult]) -> bool:
    """The console's rule: every test ran and passed (a warning is fine); a skipped test proves nothing."""
    return bool(results) and all(r.status in ("pass", "warn") for r in results)


def plan(state: WizardState) -> list[Change]:
    return []  # read-only: nothing to change


async def apply(state, conn, change, progress):  # pragma: no cover - plan() is always empty
    raise ByokError("Test configuration changes nothing")


def _key_id(state: WizardState) -> str:
    return state.enterprise_key.key_identifier or state.vault.key_id


async def _timed(
    check_id: str, title: str, remedy: str, call: Callable[[], Awaitable[tuple[str, str]]]
) -> CheckResult:
    start = time.perf_counter()
    try:
        detail, request_id = await call()
    except ByokError as exc:
        ms = round((time.perf_counter() - start) * 1000, 1)
        return CheckResult(check_id, title, "fail", detail=exc.detail or exc.title, remedy=exc.remedy or remedy,
                           request_id=exc.request_id, ms=ms)  # fmt: skip
    ms = round((time.perf_counter() - start) * 1000, 1)
    return CheckResult(check_id, title, "pass", detail=detail, request_id=request_id, ms=ms)


async def four_tests(conn: Connection, key_id: str, cloud_resource: str, who: str = "") -> list[CheckResult]:
    """The console's four tests against `key_id`, as the identity in `conn`."""
    from byok_tui.azure import keys
    from byok_tui.validate import parse_key_identifier

    parsed = parse_key_identifier(key_id)
    suffix = f" (as {who})" if who else ""
    prefix = f"{who.split()[0].lower()}." if who else ""
    if parsed is None:
        return [
            CheckResult(
                f"{prefix}test.connectivity",
                "Connectivity" + suffix,
                "fail",
                detail=f"{key_id!r} is not a key identifier.",
                remedy="Fix the enterprise key.",
            )
        ]

    async def connectivity() -> tuple[str, str]:
        status, challenge, request_id = await keys.probe(conn, parsed.vault_uri)
        if status != 401 or "Bearer" not in challenge or cloud_resource not in challenge:
            raise ByokError("The vault did not answer like Azure Key Vault",
                            detail=f"HTTP {status}; challenge {challenge[:120]!r}",
                            remedy="Check the vault URI and any proxy between here and Azure.",
                            request_id=request_id)  # fmt: skip
        return f"{parsed.vault_uri} answered over TLS with a Bearer challenge.", request_id

    async def authentication() -> tuple[str, str]:
        key = await keys.get_key(conn, parsed.vault_uri, parsed.key_name, parsed.version or None)
        if key is None:
            raise ByokError(f"Key {parsed.key_name} was not found", remedy="Check the key identifier.")
        disabled = " It is disabled: the vault will refuse to use it." if not key.enabled else ""
        return f"Token accepted; read key {key.name} version {key.version}.{disabled}", key.request_id

    sample = os.urandom(32)
    sealed: dict[str, bytes | str] = {}

    async def encryption() -> tuple[str, str]:
        ciphertext, kid, request_id = await keys.encrypt_in_vault(conn, key_id, sample)
        sealed.update(ciphertext=ciphertext, kid=kid)
        return (
            f"The vault encrypted 32 random bytes with RSA-OAEP-256 ({len(ciphertext)} bytes out).",
            request_id,
        )

    async def decryption() -> tuple[str, str]:
        if "ciphertext" not in sealed:
            raise ByokError(
                "Not run: encryption failed, so there is nothing to decrypt",
                remedy="Make the encryption test pass; decryption runs after it.",
            )
        plaintext, request_id = await keys.decrypt_in_vault(
            conn, str(sealed["kid"]), bytes(sealed["ciphertext"])
        )
        if plaintext != sample:
            raise ByokError("The round trip returned different bytes", remedy="Contact Azure support.")
        return "The vault decrypted it back to the same 32 bytes.", request_id

    rbac_hint = "Check the caller's Key Vault role (Crypto User) or access policy, and the vault firewall."
    return [
        await _timed(f"{prefix}test.connectivity", "Connectivity" + suffix,
                     "Check DNS, the proxy and the vault's network rules.", connectivity),
        await _timed(f"{prefix}test.authentication", "Authentication" + suffix, rbac_hint, authentication),
        await _timed(f"{prefix}test.encryption", "Encryption" + suffix, rbac_hint, encryption),
        await _timed(f"{prefix}test.decryption", "Decryption" + suffix, rbac_hint, decryption),
    ]  # fmt: skip


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.engine import access, network

    key_id = _key_id(state)
    results = await four_tests(conn, key_id, conn.cloud.vault_resource)
    # What Kore needs on its side that is visible from here: its role, and a way through the network.
    results += [as_kore_side(r)
                for r in await access.check(state, conn) if r.id == "access.granted"]  # fmt: skip
    if state.network.mode:
        results += [as_kore_side(r)
                    for r in await network.check_configured(state, conn) if r.id == "network.configured"]  # fmt: skip
    if conn.impersonate and state.authorize.sp_object_id:
        as_kore = dataclasses.replace(conn, credential=conn.impersonate(state.authorize.sp_object_id))
        results += await four_tests(as_kore, key_id, conn.cloud.vault_resource, who="Kore")
    return _nothing_skipped(results)


def as_kore_side(result: CheckResult) -> CheckResult:
    """An earlier step's check, shown among Kore's readiness (its title names Kore once)."""
    title = result.title if result.title.startswith("Kore") else f"Kore: {result.title}"
    return dataclasses.replace(result, id=f"kore.{result.id}", title=title)


def _nothing_skipped(results: list[CheckResult]) -> list[CheckResult]:
    """A test that did not run is not a pass: skips become failures, so the step's status (the worst
    result) is "pass" or "warn" only when `passed` holds."""
    if not results:
        return [
            CheckResult("test.none", "Tests", "fail", detail="No test ran.", remedy="Finish Steps 1-5 first.")
        ]
    return [
        dataclasses.replace(r, status="fail", remedy=r.remedy or "This test could not run: fix what it names.")
        if r.status == "skip" else r
        for r in results
    ]  # fmt: skip


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=undated_check(check),
    requires=needs_enterprise_key,
    has_changes=False,
)
