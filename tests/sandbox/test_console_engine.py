"""The console steps against the sandbox through the real SDK clients: the enterprise key's live check,
Test Configuration (encryption really performed by the vault), key rotation and the enforcement lock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from byok_tui.engine import enterprise_key, manage, runner
from byok_tui.engine import test_configuration as test_step
from byok_tui.errors import ByokError
from byok_tui.sandbox import Sandbox
from byok_tui.session import Session
from byok_tui.state import ConfirmState, WizardState
from byok_tui.testing.prepare import done_through, quiet

TODAY = date(2025, 1, 15)


def noon(day: date) -> datetime:
    """The time the runner decides a date rule at, on `day`."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


CRYPTO_USER = "Key Vault Crypto User"


async def ready(sb: Sandbox, last: str = "enterprise_key") -> WizardState:
    return await done_through(sb, last)


def by_id(results) -> dict[str, object]:
    return {r.id: r for r in results}


def key_version(sb: Sandbox, vault: str = "kv-contoso-byok", key: str = "kore-byok-cmk"):
    return sb.world.vault(vault).keys[key].latest


def remove_roles(sb: Sandbox, principal_id: str) -> None:
    """Every role `principal_id` holds on the vault, gone (as if removed through ARM)."""
    for name, assignment in list(sb.world.role_assignments.items()):
        if assignment.principal_id == principal_id and assignment.scope.endswith("kv-contoso-byok"):
            del sb.world.role_assignments[name]


def recording(sb: Sandbox) -> list[tuple[str, str]]:
    """Every request the SDK clients send from now on: (method, URL)."""
    seen: list[tuple[str, str]] = []
    exchange = sb.exchange

    async def record(method, url, headers, body):
        seen.append((method, url))
        return await exchange(method, url, headers, body)

    sb.exchange = record  # type: ignore[method-assign]
    return seen


# --- enterprise key ------------------------------------------------------------------------


async def test_enterprise_key_check_passes_and_explains_the_version(sb):
    state = await ready(sb)
    results = by_id(await enterprise_key.check(state, sb.connection(), today=TODAY))
    assert {k: r.status for k, r in results.items()} == {
        "enterprise_key.values": "pass",
        "enterprise_key.key": "pass",
    }
    assert "exactly this version" in results["enterprise_key.values"].detail
    assert results["enterprise_key.key"].detail == state.vault.key_id
    assert results["enterprise_key.key"].request_id


async def test_enterprise_key_check_fails_on_a_disabled_key(sb):
    state = await ready(sb)
    key_version(sb).enabled = False
    key = by_id(await enterprise_key.check(state, sb.connection(), today=TODAY))["enterprise_key.key"]
    assert (
        key.status == "fail"
        and "disabled" in key.detail
        and f"set-attributes --id {key.detail.split()[0]} --enabled true" in key.remedy
    )


async def test_a_pinned_older_version_warns_and_a_versionless_one_does_not(sb):
    state = await ready(sb)
    conn = sb.connection()
    rotated = await manage.rotate(dataclasses.replace(
        state, enterprise_key=dataclasses.replace(state.enterprise_key, key_identifier=state.vault.key_id)
    ), conn, quiet)  # fmt: skip
    pinned_old = dataclasses.replace(rotated, enterprise_key=dataclasses.replace(
        rotated.enterprise_key, key_identifier=state.vault.key_id))  # fmt: skip
    latest = by_id(await enterprise_key.check(pinned_old, conn, today=TODAY))["enterprise_key.latest"]
    assert latest.status == "warn" and rotated.vault.key_id.rsplit("/", 1)[-1] in latest.detail
    versionless = dataclasses.replace(rotated, enterprise_key=dataclasses.replace(
        rotated.enterprise_key, key_identifier=rotated.vault.key_id.rsplit("/", 1)[0]))  # fmt: skip
    results = by_id(await enterprise_key.check(versionless, conn, today=TODAY))
    assert "enterprise_key.latest" not in results and results["enterprise_key.key"].status == "pass"
    assert "latest version" in results["enterprise_key.values"].detail


async def test_the_check_warns_when_the_key_expires_before_the_enforcement_date(sb):
    state = await ready(sb)
    key_version(sb).exp = int(datetime(2098, 6, 1, tzinfo=UTC).timestamp())  # enforcement is 2099-01-01
    expiry = by_id(await enterprise_key.check(state, sb.connection(), today=TODAY))["enterprise_key.expiry"]
    assert expiry.status == "warn" and "2098-06-01" in expiry.detail and "2099-01-01" in expiry.detail


async def test_an_identifier_for_another_vault_fails_the_values_check(sb):
    state = await ready(sb)
    other = dataclasses.replace(state, enterprise_key=dataclasses.replace(
        state.enterprise_key, key_identifier="https://kv-elsewhere.vault.azure.net/keys/kore-byok-cmk"))  # fmt: skip
    results = by_id(await enterprise_key.check(other, sb.connection(), today=TODAY))
    assert results["enterprise_key.values"].status == "fail"
    assert "must name the key recorded in Step 2" in results["enterprise_key.values"].detail
    assert results["enterprise_key.key"].status == "fail"  # that host does not resolve


# --- the enforcement lock ------------------------------------------------------------------


def confirmed(state: WizardState, enforced: str = "2025-01-10") -> WizardState:
    return dataclasses.replace(
        state, enterprise_key=dataclasses.replace(state.enterprise_key, enforcement_date=enforced),
        confirm=ConfirmState(confirmed_at="2025-01-02T10:00:00+00:00"),
    )  # fmt: skip


async def test_after_enforcement_the_engine_refuses_locked_steps_but_not_apps_or_rotation(sb):
    from byok_tui.engine import vault as vault_step

    state = confirmed(await ready(sb))
    conn = sb.connection()
    for step in (enterprise_key, vault_step):
        with pytest.raises(ByokError, match="Enforcement started on 2025-01-10"):
            await runner.apply_plan(step.STEP, state, conn, None, quiet, now=noon(TODAY))
    # The day of enforcement itself still allows changes; the lock starts after it.
    await runner.apply_plan(enterprise_key.STEP, state, conn, None, quiet, now=noon(date(2025, 1, 10)))
    rotated = await manage.rotate(state, conn, quiet)
    assert rotated.vault.key_id != state.vault.key_id
    state, results = await runner.run_checks(enterprise_key.STEP, rotated, conn, None, now=noon(TODAY))
    assert by_id(results)["enterprise_key.locked"].status == "pass"
    assert by_id(results)["enterprise_key.values"].status == "pass"  # a past date is fine once locked
    assert state.step("enterprise_key").checked == "pass"


async def test_run_checks_hands_today_only_to_checks_that_take_it(sb):
    state = confirmed(await ready(sb))
    conn = sb.connection()
    _, results = await runner.run_checks(enterprise_key.STEP, state, conn, None, now=noon(TODAY))
    assert "enterprise_key.locked" in by_id(results)
    _, results = await runner.run_checks(enterprise_key.STEP, state, conn, None, now=noon(date(2025, 1, 9)))
    assert "enterprise_key.locked" not in by_id(results)
    # Test Configuration's check takes no date: run_checks still works for it.
    _, results = await runner.run_checks(test_step.STEP, state, conn, None, now=noon(TODAY))
    assert results


# --- rotation ------------------------------------------------------------------------------


async def test_rotation_makes_a_new_version_and_the_identifiers_follow(sb, tmp_path):
    state = await ready(sb, "test")
    assert state.step("test").checked == "pass"
    before = key_version(sb).version
    session = Session(tmp_path / "session.json")
    rotated = await manage.rotate(state, sb.connection(), quiet, session=session)

    new = key_version(sb)
    assert (
        new.version != before and len(sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"].versions) == 2
    )
    assert rotated.vault.key_id.endswith(f"/keys/kore-byok-cmk/{new.version}")
    assert rotated.enterprise_key.key_identifier == rotated.vault.key_id  # it named a version: it follows
    assert rotated.step("test").checked == ""  # the new version must pass the tests again
    assert session.load() == rotated
    (entry,) = [e for e in session.read_journal() if e["action"] == "rotate"]
    assert entry["outcome"] == "applied" and entry["target"] == rotated.vault.key_id and entry["request_id"]

    _, results = await runner.run_checks(test_step.STEP, rotated, sb.connection(), None)
    assert test_step.passed(results)
    assert f"version {new.version}" in by_id(results)["test.authentication"].detail


async def test_rotation_leaves_a_versionless_identifier_alone(sb):
    state = await ready(sb)
    versionless = state.vault.key_id.rsplit("/", 1)[0]
    state = dataclasses.replace(state, enterprise_key=dataclasses.replace(state.enterprise_key,
                                                                          key_identifier=versionless))  # fmt: skip
    rotated = await manage.rotate(state, sb.connection(), quiet)
    assert rotated.enterprise_key.key_identifier == versionless
    assert rotated.vault.key_id != state.vault.key_id


async def test_rotation_refuses_without_a_key_and_before_touching_the_vault_with_a_bad_identifier(sb):
    with pytest.raises(ByokError, match="no key to rotate"):
        await manage.rotate(WizardState(), sb.connection(), quiet)
    state = await ready(sb)
    bad = dataclasses.replace(state, enterprise_key=dataclasses.replace(state.enterprise_key,
                                                                        key_identifier="https://nope"))  # fmt: skip
    with pytest.raises(ByokError, match="not valid"):
        await manage.rotate(bad, sb.connection(), quiet)
    assert len(sb.world.vault("kv-contoso-byok").keys["kore-byok-cmk"].versions) == 1


async def test_a_failed_rotation_is_journaled_with_its_request_id(sb, tmp_path):
    state = await ready(sb)
    remove_roles(sb, sb.operator_object_id)  # no data-plane role left: rotate is refused
    sb.world.assign_role(sb.operator_object_id, CRYPTO_USER, sb.world.vault("kv-contoso-byok").id)
    session = Session(tmp_path / "session.json")
    with pytest.raises(ByokError) as caught:
        await manage.rotate(state, sb.connection(), quiet, session=session)
    assert caught.value.request_id
    (entry,) = session.read_journal()
    assert (entry["action"], entry["outcome"], entry["request_id"]) == (
        "rotate",
        "failed",
        caught.value.request_id,
    )


# --- Test Configuration --------------------------------------------------------------------


async def test_all_tests_pass_as_the_operator_and_as_kore(sb):
    state = await ready(sb)
    state, results = await runner.run_checks(test_step.STEP, state, sb.connection(), None)
    assert [r.id for r in results] == [
        "test.connectivity", "test.authentication", "test.encryption", "test.decryption",
        "kore.access.granted", "kore.network.configured",
        "kore.test.connectivity", "kore.test.authentication", "kore.test.encryption", "kore.test.decryption",
    ]  # fmt: skip
    assert {r.status for r in results} == {"pass"} and state.step("test").checked == "pass"
    assert all(r.ms is not None and r.request_id for r in results if ".test." in f".{r.id}")
    assert [test_step.section_of(r) for r in results] == (
        [test_step.SECTIONS["test"]] * 4
        + [test_step.SECTIONS["kore"]] * 2
        + [test_step.SECTIONS["kore.test"]] * 4
    )


async def test_encryption_is_posted_to_the_vault_not_done_locally(sb):
    state = await ready(sb)
    seen = recording(sb)
    results = by_id(await test_step.four_tests(sb.connection(), state.enterprise_key.key_identifier,
                                               "https://vault.azure.net"))  # fmt: skip
    assert results["test.encryption"].status == "pass"
    version = state.vault.key_id.rsplit("/", 1)[-1]
    posts = [url.split("?")[0] for method, url in seen if method == "POST"]
    assert posts == [
        f"https://kv-contoso-byok.vault.azure.net/keys/kore-byok-cmk/{version}/encrypt",
        f"https://kv-contoso-byok.vault.azure.net/keys/kore-byok-cmk/{version}/decrypt",
    ]


async def test_a_caller_who_may_read_but_not_encrypt_fails_the_encryption_test(sb):
    """Key Vault Reader may GET the key (public part), so the SDK's CryptographyClient would encrypt
    locally and "pass"; the vault itself refuses the encrypt, and so does our test."""
    from azure.keyvault.keys.crypto import EncryptionAlgorithm
    from azure.keyvault.keys.crypto.aio import CryptographyClient

    state = await ready(sb)
    remove_roles(sb, sb.operator_object_id)
    sb.world.assign_role(sb.operator_object_id, "Key Vault Reader", sb.world.vault("kv-contoso-byok").id)

    async with CryptographyClient(state.vault.key_id, sb.credential(), transport=sb.transport()) as local:
        await local.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"x" * 32)  # no error: done with the public key

    results = by_id(
        await test_step.four_tests(sb.connection(), state.vault.key_id, "https://vault.azure.net")
    )
    assert results["test.authentication"].status == "pass"
    encryption = results["test.encryption"]
    assert encryption.status == "fail" and encryption.request_id and encryption.remedy
    assert results["test.decryption"].status == "fail"  # nothing to decrypt


async def test_a_disabled_key_fails_the_tests_with_remedy_and_request_id(sb):
    state = await ready(sb)
    key_version(sb).enabled = False
    state, results = await runner.run_checks(test_step.STEP, state, sb.connection(), None)
    failing = [r for r in results if r.status == "fail"]
    assert state.step("test").checked == "fail" and not test_step.passed(results)
    by = by_id(results)
    assert by["test.authentication"].status == "pass" and "disabled" in by["test.authentication"].detail
    assert [r.id for r in failing] == ["test.encryption", "test.decryption", "kore.test.encryption",
                                       "kore.test.decryption"]  # fmt: skip
    assert by["test.encryption"].detail == "Operation encrypt is not allowed on a disabled key."
    assert "--enabled true" in by["test.encryption"].remedy and by["test.encryption"].request_id
    assert by["test.decryption"].detail.startswith("Not run") and by["test.decryption"].remedy


async def test_without_kores_role_the_kore_side_fails_and_yours_still_pass(sb):
    state = await ready(sb)
    remove_roles(sb, state.authorize.sp_object_id)
    results = by_id(await test_step.check(state, sb.connection()))
    assert all(results[f"test.{t}"].status == "pass" for t in ("connectivity", "authentication", "encryption",
                                                                "decryption"))  # fmt: skip
    assert results["kore.access.granted"].status == "fail"
    assert results["kore.test.encryption"].status == "fail" and results["kore.test.encryption"].request_id


def test_a_skipped_test_is_not_a_pass():
    from byok_tui.engine.model import CheckResult, overall

    results = test_step._nothing_skipped(
        [CheckResult("test.x", "X", "pass"), CheckResult("kore.y", "Y", "skip")]
    )
    assert [r.status for r in results] == ["pass", "fail"] and overall(results) == "fail"
    assert test_step._nothing_skipped([])[0].status == "fail"
    assert not test_step.passed([]) and test_step.passed([CheckResult("a", "A", "warn")])
