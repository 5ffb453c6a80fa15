"""One clock for every date rule (issue 16): the enforcement lock, key expiry, "not expiring soon", the
answers' date rules and the App all read `byok_tui.clock`, which a test can set."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from byok_tui import answers, clock
from byok_tui.connection import Connection
from byok_tui.engine import enterprise_key, runner
from byok_tui.engine import vault as vault_step
from byok_tui.engine.model import CheckResult
from byok_tui.engine.step import Step
from byok_tui.errors import ByokError, InputError
from byok_tui.state import WizardState

GUID = "00000000-0000-0000-0000-000000000001"
LATER = dt.datetime(2031, 3, 1, 8, 0, tzinfo=dt.UTC)  # years after the wall clock of any test run


def enforced(on: str) -> WizardState:
    base = WizardState(session_id="s-1")
    return dataclasses.replace(
        base, enterprise_key=dataclasses.replace(base.enterprise_key, enforcement_date=on),
        confirm=dataclasses.replace(base.confirm, confirmed_at="2030-01-01T00:00:00+00:00"),
    )  # fmt: skip


def test_frozen_reads_back_and_restores() -> None:
    wall = clock.now()
    with clock.frozen(LATER):
        assert clock.now() == LATER and clock.today() == LATER.date()
    assert clock.now() >= wall


async def test_the_apply_path_refuses_a_locked_step_by_the_one_clock_without_being_told_today() -> None:
    """`apply_plan` called without `now` (as headless does) decides the enforcement lock by the clock."""
    step = Step(id="vault", title="", purpose="", plan=lambda s: [], apply=None, check=None)
    with clock.frozen(LATER), pytest.raises(ByokError, match="Enforcement started on 2030-06-01"):
        await runner.apply_plan(
            step, enforced("2030-06-01"), Connection(credential=None), None, lambda m, f=None: None
        )


def test_the_enforcement_date_rules_read_the_one_clock() -> None:
    state = dataclasses.replace(WizardState(), enterprise_key=dataclasses.replace(
        WizardState().enterprise_key, enforcement_date="2030-12-31"))  # fmt: skip
    with clock.frozen(LATER):
        assert enterprise_key.today_utc() == LATER.date()
        assert any(p.field == "enterprise_key.enforcement_date" for p in enterprise_key.problems(state))
        with pytest.raises(InputError, match="enforcement_date"):
            answers.parse(f'[signin]\ntenant_id = "{GUID}"\nsubscription_id = "{GUID}"\n'
                          '[enterprise_key]\nenforcement_date = "2030-12-31"\n')  # fmt: skip


async def test_checks_get_now_and_today_from_the_one_clock() -> None:
    seen: dict[str, object] = {}

    async def check(state, conn, now: dt.datetime):
        seen["now"] = now
        return [CheckResult("c", "c", "pass")]

    step = Step(id="vault", title="", purpose="", plan=lambda s: [], apply=None, check=check)
    with clock.frozen(LATER):
        await runner.run_checks(step, WizardState(), Connection(credential=None), None)
    assert seen["now"] == LATER
    # A caller's `now` (the App's clock) wins over the one clock: the checks see the caller's time.
    with clock.frozen(LATER):
        await runner.run_checks(step, WizardState(), Connection(credential=None), None,
                                now=dt.datetime(2032, 1, 2, 8, 0, tzinfo=dt.UTC))  # fmt: skip
    assert seen["now"] == dt.datetime(2032, 1, 2, 8, 0, tzinfo=dt.UTC)


def test_key_expiry_and_not_expiring_soon_are_judged_by_the_one_clock() -> None:
    """The runner hands the vault check the clock's `now`; the key checks judge expiry by it."""
    from byok_tui.models import KeyInfo

    key = KeyInfo(name="k", kid="https://kv.vault.azure.net/keys/k/1", kty="RSA", size=3072, enabled=True,
                  key_ops=("encrypt", "decrypt", "wrapKey", "unwrapKey"), expires_on="2031-01-01T00:00:00+00:00")  # fmt: skip
    with clock.frozen(LATER):
        now = runner.moment()
    assert now == LATER
    (expiry,) = [r for r in vault_step.key_checks(key, now) if r.id == "key.expiry"]
    assert expiry.status == "fail" and "Expired on 2031-01-01" in expiry.detail
    with clock.frozen(dt.date(2030, 12, 1)):
        (soon,) = [r for r in vault_step.key_checks(key, runner.moment())
                   if r.id == "key.expiry"]  # fmt: skip
    assert soon.status == "warn"


async def test_the_app_s_clock_is_the_one_clock_while_it_runs() -> None:
    from byok_tui.app import build_app
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    app = build_app(sb.connection(), None, None, clock=lambda: LATER, profile=sb.profile())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert clock.now() == LATER and enterprise_key.today_utc() == LATER.date()
        assert runner.moment() == LATER
    assert clock.now() != LATER
