"""`byok-tui verify` walks the same checks as the screens' "re-run every check" (engine.health): a check
that cannot run is a failed check of its step, reported with its remedy, and the others still run."""

from __future__ import annotations

import dataclasses
import json
import types

from byok_tui import headless
from byok_tui.connection import Connection
from byok_tui.engine import steps
from byok_tui.engine.model import CheckResult
from byok_tui.engine.step import Step
from byok_tui.errors import AuthError, ByokError, ProxyUnreachable
from byok_tui.state import StepRecord, WizardState


class Journal:
    def __init__(self) -> None:
        self.saved: list[WizardState] = []
        self.lines: list[dict] = []
        self.path = "session.json"

    def save(self, state: WizardState) -> None:
        self.saved.append(state)

    def journal(self, **line) -> None:
        self.lines.append(line)


def fake(step_id: str, error: type[ByokError] = ByokError) -> Step:
    async def check(state, conn, now):
        if step_id == "vault":
            raise error("Vault unreachable", detail="the connection dropped", remedy="Check the network.",
                        request_id="r-1")  # fmt: skip
        return [CheckResult(f"{step_id}.ok", "Fine", "pass")]

    return Step(id=step_id, title=step_id.title(), purpose="", plan=lambda s: [], apply=None, check=check)


def offline(monkeypatch, error: type[ByokError]) -> None:
    live = steps.live_ids()
    monkeypatch.setattr(steps, "live_steps", lambda: tuple(fake(step_id, error) for step_id in live))
    monkeypatch.setattr(headless, "sandbox_for", lambda *a, **k: types.SimpleNamespace(
        connection=lambda: Connection(credential=None)))  # fmt: skip

    async def no_close(conn):
        return None

    monkeypatch.setattr(headless, "_close", no_close)


def set_up() -> WizardState:
    state = WizardState()
    for step_id in ("authorize", "vault", "access"):
        state = state.with_step(step_id, StepRecord(applied=True, checked="pass"))
    return state


async def test_a_check_that_raises_is_a_failed_check_and_exit_1_not_an_abort(monkeypatch, capsys):
    offline(monkeypatch, ByokError)
    state = set_up()
    session = Journal()
    args = types.SimpleNamespace(sandbox_state="world.json", json=True, faults=None)

    assert await headless._verify(args, session, state) == 1
    report = json.loads(capsys.readouterr().out)
    by_id = {s["id"]: s for s in report["steps"]}
    assert report["status"] == "fail"
    (vault,) = by_id["vault"]["checks"]
    assert (by_id["vault"]["status"], vault["id"], vault["remedy"], vault["request_id"]) == (
        "fail", "vault.error", "Check the network.", "r-1")  # fmt: skip
    assert vault["title"] == "The check could not run: Vault unreachable"
    # The steps after the broken one were still checked; those never set up are skipped.
    assert by_id["access"]["status"] == "pass" and by_id["network"] == {
        "id": "network",
        "status": "skip",
        "checks": [],
    }
    # And the outcome is recorded as the screens record it.
    assert (
        session.saved[-1].step("vault").checked == "fail"
        and session.saved[-1].step("access").checked == "pass"
    )
    assert [(line["step"], line["outcome"]) for line in session.lines] == [
        ("authorize", "pass"), ("vault", "fail"), ("access", "pass")]  # fmt: skip


async def test_a_check_that_cannot_reach_azure_is_reported_then_exit_3(monkeypatch, capsys):
    """Unreachable from here (a proxy, a refused sign-in): the other checks still run and are reported, but
    nothing proves the set-up broken, so the exit is the Azure error's (3), its fix on stderr."""
    offline(monkeypatch, AuthError)
    assert await headless._verify(types.SimpleNamespace(sandbox_state="w.json", json=True, faults=None), None,
                                  set_up()) == 3  # fmt: skip
    out, err = capsys.readouterr()
    by_id = {s["id"]: s for s in json.loads(out)["steps"]}
    assert by_id["vault"]["status"] == "fail" and by_id["access"]["status"] == "pass"
    assert "Vault unreachable" in err and "Fix: Check the network." in err


async def test_a_proxy_that_cannot_be_reached_stops_the_checks_after_the_first(monkeypatch, capsys):
    """The proxy itself is down: nothing can be reached, so the later steps are not asked (each would wait out
    the same retries) but reported as not checked, with the proxy's fix; the exit is still 3."""
    offline(monkeypatch, ProxyUnreachable)
    asked: list[str] = []
    wrapped = steps.live_steps

    def counting() -> tuple[Step, ...]:
        def spy(step: Step) -> Step:
            async def check(state, conn, now):
                asked.append(step.id)
                return await step.check(state, conn, now)

            return dataclasses.replace(step, check=check)

        return tuple(spy(step) for step in wrapped())

    monkeypatch.setattr(steps, "live_steps", counting)
    assert await headless._verify(types.SimpleNamespace(sandbox_state="w.json", json=True, faults=None), None,
                                  set_up()) == 3  # fmt: skip
    out, err = capsys.readouterr()
    by_id = {s["id"]: s for s in json.loads(out)["steps"]}
    assert asked == ["authorize", "vault"]  # access was set up too, but not asked
    assert by_id["vault"]["status"] == "fail"
    (access,) = by_id["access"]["checks"]
    assert (by_id["access"]["status"], access["title"], access["remedy"]) == (
        "skip", "Not checked: nothing can be reached from here", "Check the network.")  # fmt: skip
    assert "Vault unreachable" in err
