"""The headless commands (`run`, `verify`, `export`, `sandbox init`): the same engine as the screens.

stdout carries results (plain text, or JSON with --json); progress and errors go to stderr so that
`--json` output stays parseable.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO

from byok_tui import answers as answers_mod
from byok_tui import glyphs
from byok_tui import profile as profile_mod
from byok_tui.connection import Connection
from byok_tui.engine import apps as apps_step
from byok_tui.engine import health, runner, signin, steps
from byok_tui.engine import share as share_step
from byok_tui.engine.model import Change, CheckResult, overall
from byok_tui.engine.step import Step
from byok_tui.errors import ByokError, InputError, Terminated, session_save_error
from byok_tui.session import Session, new_session_id
from byok_tui.session_lock import SessionBusy, SessionLock, describe
from byok_tui.session_recovery import interrupted_changes, open_session
from byok_tui.state import WizardState


def run_steps() -> tuple[Step, ...]:
    """The steps `byok-tui run` performs, in the guide's order: the live ones (sign-in comes from the
    answers' [signin], and the post-enforcement checklist is a person's)."""
    return steps.live_steps()


INCOMPLETE = 4
"""Exit code of a run that stopped before every step it was asked for was done (not a failure, not done)."""


class _ForgivingStdout(io.TextIOBase):
    """stdout that survives its reader leaving (`run … | head`): the rest of the output is dropped, the work
    goes on. Without it the first print after `head` exits raises BrokenPipeError mid-step."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop()

    def _drop(self) -> None:
        # Point the descriptor at /dev/null: what is still buffered, and the interpreter's own flush at
        # exit, then go nowhere instead of raising again.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)


@contextlib.contextmanager
def forgiving_stdout():
    """Run a headless command with a stdout that may be closed early by its reader."""
    original = sys.stdout
    sys.stdout = _ForgivingStdout(original)  # type: ignore[assignment]
    try:
        yield
    finally:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stdout = original


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sandbox_for(state_file: str | None, scenario: str = "default", faults: str | None = None,
                *, realtime: bool = False):  # fmt: skip
    """The sandbox world kept in `state_file` (created there on first use), or a fresh one in memory.

    A bad scenario name or fault SPEC is bad input (exit 2), named by its option.
    """
    from byok_tui.sandbox.deferred import open_sandbox  # the demo builds its sandbox the same way

    return open_sandbox(state_file, scenario, faults, realtime=realtime)


def print_plan(changes: list[Change], out: TextIO) -> None:
    if not changes:
        print("Nothing to change.", file=out)
    for i, change in enumerate(changes, 1):
        flag = (
            "  [irreversible]"
            if change.irreversible
            else "  [exists: no change]"
            if change.effect == "adopt"
            else ""
        )
        print(f"{i}. {change.title}{flag}", file=out)
        print(f"   $ {change.az}", file=out)
        if change.detail and change.irreversible:
            print(f"   {change.detail}", file=out)
        elif change.detail.startswith("Warning: "):  # e.g. the protect step's key-expiry warning
            print(f"   {change.detail.splitlines()[0]}", file=out)


def print_checks(results: list[CheckResult], out: TextIO) -> None:
    for r in results:
        print(f"{glyphs.status(r.status)} {r.title}: {r.detail}", file=out)
        if r.remedy and r.status in ("warn", "fail"):
            print(f"    fix: {r.remedy}", file=out)
        if r.request_id:
            print(f"    request id: {r.request_id}", file=out)


def _confirm(changes: list[Change], yes: bool) -> None:
    if yes or all(c.effect == "adopt" for c in changes):
        return
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError("--yes", "is required to change Azure when no one can answer the prompt")
    reply = input(f"Apply these {len(changes)} changes to Azure? [y/N] ")
    if reply.strip().lower() not in ("y", "yes"):
        raise InputError("confirmation", "the operator declined; nothing was changed")


async def _connection_for(args: Any, answers: answers_mod.Answers) -> tuple[Connection, Any]:
    if args.sandbox_state is not None or answers.signin.get("method") == "sandbox":
        from byok_tui.worlds import refuse_other_scenario

        scenario = getattr(args, "scenario", None)
        refuse_other_scenario(args.sandbox_state, scenario)
        sb = sandbox_for(args.sandbox_state, scenario or "default", getattr(args, "faults", None))
        return sb.connection(), sb
    from byok_tui.azure import auth
    from byok_tui.clouds import get_cloud

    cloud = get_cloud(answers.signin.get("cloud", args.cloud or "AzureCloud"))
    return auth.live_connection(
        answers.signin.get("method", "azure-cli"), answers.signin["tenant_id"], cloud
    ), None


def _take(session: Session, command: str) -> SessionLock:
    """Hold the session for this process (SessionBusy, exit 2, naming the holder, if another one does)."""
    lock = SessionLock(session.path, command).acquire()
    if lock.previous:
        _err(
            f"note: took over {session.path} from {describe(lock.previous)}, which ended without releasing it"
        )
    return lock


async def run(args: Any) -> int:
    answers = answers_mod.load(args.answers)
    session = Session(args.session)
    lock = _take(session, "byok-tui run")
    try:
        return await _run(args, answers, session)
    finally:
        lock.release()


async def _run(args: Any, answers: answers_mod.Answers, session: Session) -> int:
    state = open_session(session) or WizardState(session_id=new_session_id())
    for change in interrupted_changes(session, state):
        _err(f"note: “{change}” was interrupted last time; this run adopts whatever it made")
    state = answers_mod.apply_to(answers, state)
    conn, sb = await _connection_for(args, answers)
    # A sandbox world has its own Kore app; a profile file describes the real one.
    profile_path = getattr(args, "profile", None)
    state = _with_profile(state, sb.profile() if sb and not profile_path else profile_mod.load(profile_path))
    out = sys.stderr if args.json else sys.stdout
    try:
        state = await _identify(state, conn, sb)
        # Load the app list before any change, so an unknown id to deselect changes nothing.
        state = await _preload_apps(state, conn, answers, sb, profile_path)
        try:
            session.save(state)
        except OSError as exc:  # a read-only folder or a full disk: stop before any change
            raise session_save_error(exc, session.path, before="the first change") from exc
        report: dict[str, Any] = {
            "session": str(session.path),
            "steps": [],
            "skipped": [],
            "stopped_before": None,
        }
        worst = "pass"
        order = run_steps()
        for index, step in enumerate(order):
            if step.answers and not answers.has(step.answers):
                print(f"== {step.title}: skipped (no [{step.answers}] answers) ==", file=out)
                report["skipped"].append(step.id)
                continue
            if missing := step.requires(state):
                print(f"== Stopped before {step.title}: {missing} ==", file=out)
                report["stopped_before"] = {"step": step.id, "reason": missing}
                report["remaining"] = _remaining(order[index:], answers)
                print(f"Still to do: {', '.join(report['remaining'])}.", file=out)
                break
            state, results, changes = await _run_step(step, state, conn, session, args, out)
            report["steps"].append(
                {"id": step.id, "plan": [asdict(c) for c in changes],
                 "checks": [asdict(r) for r in results], "status": overall(results)}
            )  # fmt: skip
            worst = _worse(worst, overall(results))
            if overall(results) == "fail" and not args.read_only:
                # Later steps build on this one: going on would configure Kore around a broken key.
                following = order[index + 1 :]
                if following:
                    reason = f"{step.title} has failing checks; fix them and run again"
                    print(f"== Stopped: {reason} ==", file=out)
                    report["stopped_before"] = {"step": following[0].id, "reason": reason}
                    report["remaining"] = [step.title, *_remaining(following, answers)]
                    print(f"Still to do: {', '.join(report['remaining'])}.", file=out)
                break
        report.update(status=worst, vault_uri=state.vault.vault_uri, key_id=state.vault.key_id,
                      kore_sp_object_id=state.authorize.sp_object_id)  # fmt: skip
        if args.json:
            print(json.dumps(report, indent=2))
        if worst == "fail":
            return 1
        return INCOMPLETE if report["stopped_before"] else 0
    finally:
        await _close(conn)


def _remaining(following: tuple[Step, ...], answers: answers_mod.Answers) -> list[str]:
    """The titles of the steps not done, from the one the run stopped before (skipped ones left out)."""
    return [s.title for i, s in enumerate(following) if i == 0 or not s.answers or answers.has(s.answers)]


async def _preload_apps(
    state: WizardState, conn: Connection, answers: answers_mod.Answers, sb: Any, profile_path: str | None
) -> WizardState:
    import os

    from byok_tui.secret import Secret

    if not answers.has("apps"):
        return state
    # The same profile as the rest of the run: --profile, else $BYOK_TUI_PROFILE or ./byok.toml.
    # --profile (or $BYOK_TUI_PROFILE, ./byok.toml) names the host unless the answers' [apps] host does
    host = (
        sb.kore_host
        if sb
        else apps_step.kore_host(conn, profile_mod.load(profile_path), state.apps.kore_host)
    )
    secret = Secret(os.environ.get(apps_step.SECRET_ENV, ""))
    found = await apps_step.load(state, conn, host=host, secret=secret, progress=_progress_printer())
    state = apps_step.with_apps(state, found)
    return apps_step.deselect(state, answers.get("apps").get("deselect", []))


def _with_profile(state: WizardState, profile: profile_mod.Profile) -> WizardState:
    """Kore's facts from the profile, where the answers left them out."""
    if profile.kore_client_id and not state.authorize.kore_client_id:
        state = dataclasses.replace(
            state,
            authorize=dataclasses.replace(state.authorize, kore_client_id=profile.kore_client_id.lower()),
        )
    if state.network.mode == "firewall" and not state.network.ip_rules and profile.kore_ip_ranges:
        state = dataclasses.replace(
            state, network=dataclasses.replace(state.network, ip_rules=profile.kore_ip_ranges)
        )
    return state


async def _identify(state: WizardState, conn: Connection, sb: Any) -> WizardState:
    """Fill in who is signed in."""
    operator = await signin.operator_object_id(conn)
    state = dataclasses.replace(
        state, signin=dataclasses.replace(state.signin, operator_object_id=operator,
                                          method=state.signin.method or ("sandbox" if sb else "")),
    )  # fmt: skip
    return state


async def _run_step(
    step: Step, state: WizardState, conn: Connection, session: Session, args: Any, out: TextIO
) -> tuple[WizardState, list[CheckResult], list[Change]]:
    print(f"== {step.title} ==", file=out)

    async def approve(changes: list[Change]) -> None:
        print_plan(changes, out)
        _confirm(changes, args.yes)

    done = await runner.run_step(
        step, state, conn, session, _progress_printer(), approve, read_only=args.read_only
    )
    if not args.json:
        print_checks(done.results, sys.stdout)
    return done.state, done.results, done.changes


def _worse(a: str, b: str) -> str:
    order = ["skip", "pass", "warn", "fail"]
    return max(a, b, key=order.index)


def _progress_printer() -> Callable[[str, float | None], None]:
    def progress(message: str, fraction: float | None = None) -> None:
        _err(f"  {message}")

    return progress


async def _close(conn: Connection) -> None:
    from byok_tui.azure import auth

    await auth.close_connection(conn)


async def verify(args: Any) -> int:
    session = Session(args.session)
    state = open_session(session)
    if state is None:
        raise InputError("--session", f"no session at {session.path}; run the wizard or `byok-tui run` first")
    try:
        lock: SessionLock | None = SessionLock(session.path, "byok-tui verify").acquire()
    except SessionBusy as busy:  # read-only: check anyway, and leave the holder's record alone
        _err(f"note: {busy.title}; checking without recording the results in the session")
        lock = None
    try:
        return await _verify(args, session if lock else None, state)
    finally:
        if lock:
            lock.release()


async def _verify(args: Any, session: Session | None, state: WizardState) -> int:
    if args.sandbox_state is not None:
        conn = sandbox_for(args.sandbox_state, faults=getattr(args, "faults", None)).connection()
    else:
        from byok_tui.worlds import refuse_sandbox_session_without_world

        refuse_sandbox_session_without_world(state.signin.method, str(session.path), "verify")
        from byok_tui.azure import auth
        from byok_tui.clouds import get_cloud

        conn = auth.live_connection(state.signin.method or "azure-cli", state.signin.tenant_id,
                                    get_cloud(state.signin.cloud))  # fmt: skip
    try:
        # The very checks of Confirm's and Validation's "re-run every check": a check that cannot run is a
        # failed check of its step (with the error's remedy), and the other steps are still checked.
        raised: list[ByokError] = []
        outcomes = await health.check_all(state, conn, raised=lambda step_id, exc: raised.append(exc))
        if session:
            state = health.with_outcomes(state, outcomes)
            try:
                session.save(state)
            except OSError as exc:
                raise session_save_error(exc, session.path) from exc
            for step_id, results in outcomes:
                if health.done(state, step_id):
                    session.journal(step=step_id, action="check", outcome=overall(results))
        worst, report = "pass", []
        for step_id, results in outcomes:
            if not health.done(state, step_id):
                report.append({"id": step_id, "status": "skip", "checks": []})
                continue
            if not args.json:
                print(f"== {health.title(step_id)} ==")
                print_checks(results, sys.stdout)
            report.append({"id": step_id, "status": overall(results), "checks": [asdict(r) for r in results]})
            worst = _worse(worst, overall(results))
        if args.json:
            print(json.dumps({"status": worst, "steps": report}, indent=2))
        if unreachable := next((exc for exc in raised if _cannot_reach(exc)), None):
            # Nothing here proves the set-up broken: this machine could not reach Azure or sign in. Say
            # so, and exit as an Azure error (3), not as a failed check (1).
            _err(unreachable.describe())
            return unreachable.exit_code
        return 1 if worst == "fail" else 0
    finally:
        await _close(conn)


def _cannot_reach(exc: ByokError) -> bool:
    """The error says this machine could not reach Azure (a proxy, TLS) or could not sign in."""
    from byok_tui.azure.netdiag import NetworkError
    from byok_tui.errors import AuthError

    return isinstance(exc, NetworkError | AuthError)


def export(args: Any) -> int:
    state = open_session(Session(args.session))
    if state is None:
        raise InputError("--session", f"no session at {args.session}")
    with forgiving_stdout():
        print(export_text(state, args.format), end="")
    return 0


EXPORT_FORMATS = ("json", "md", "az")


def export_text(state: WizardState, fmt: str) -> str:
    """What `byok-tui export --format FMT` prints (the TUI's palette writes the same text to a file)."""
    from byok_tui.kore import bundle

    if fmt in ("json", "md"):  # one hand-off: the very bundle Step 4 writes
        return bundle.text(share_step.bundle_values(state), fmt)
    lines: list[str] = []
    if fmt == "az":
        lines += az_script_header(state)
        for step in run_steps():
            if not state.step(step.id).applied_changes:
                continue
            for change in step.plan(state):
                lines.append(f"\n# {change.title}\n{change.az}")
    return "\n".join(lines) + "\n"


def az_script_header(state: WizardState) -> list[str]:
    """The top of `export --format az`: the script runs against this session's cloud, tenant and subscription,
    whatever the operator's az defaults are, and stops at the first command that fails."""
    from byok_tui.engine.model import arg

    s = state.signin
    return [
        "#!/bin/sh",
        "# The az commands equivalent to this byok-tui session. Run with: sh FILE (after az login).",
        "set -eu",
        f"az cloud set --name {arg(s.cloud or 'AzureCloud')}",
        f"az account set --subscription {arg(s.subscription_id)}",
        f'if [ "$(az account show --query tenantId --output tsv)" != {arg(s.tenant_id)} ]; then',
        f"  echo {arg(f'Signed in to another tenant: run az login --tenant {s.tenant_id}')} >&2",
        "  exit 1",
        "fi",
    ]


def sandbox_init(args: Any) -> int:
    from pathlib import Path

    from byok_tui.sandbox import Sandbox

    if Path(args.state).exists() and not args.force:
        raise InputError("--state", f"{args.state} already holds a sandbox world: add --force to replace it "
                         "(its vaults, keys and role assignments are lost), or choose another file")  # fmt: skip
    try:
        sb = Sandbox.create(args.scenario)
    except ValueError as e:  # an unknown scenario: bad input, not a crash
        raise InputError("--scenario", str(e)) from e
    sb.save(args.state)
    print(f"Sandbox world ({args.scenario}) written to {args.state}")
    print(f"  tenant_id       = {sb.tenant_id}")
    print(f"  subscription_id = {sb.subscription_id}")
    print(f"  operator        = {sb.operator_object_id}")
    return 0


def recover(args: Any) -> int:
    """`byok-tui recover`: set a damaged session aside and rebuild it from its last good save and journal."""
    from byok_tui import session_recovery

    session = Session(args.session)
    lock = _take(session, "byok-tui recover")
    try:
        _state, notes = session_recovery.recover(session, use_backup=not args.journal_only)
    finally:
        lock.release()
    for note in notes:
        print(note)
    return 0


def run_async(coro) -> int:
    """Run a headless command. SIGTERM and SIGHUP (a dropped SSH connection) stop it the way Ctrl-C does:
    the change in flight is cancelled at its next wait (journalled as started, then interrupted), every save
    is whole, and `Terminated` says which signal it was."""
    import signal

    received: list[int] = []

    async def main() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, lambda s=sig: (received.append(s), task.cancel()))
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                pass
        try:
            result = await coro
        except asyncio.CancelledError:
            if received:
                raise Terminated(received[0]) from None
            raise
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        # A signal's cancellation can be lost on the way (code that catches CancelledError and goes on, or
        # asyncio's own races in 3.11): the task still counts it as requested. Stop as asked all the same, so
        # a Ctrl-C or SIGTERM never ends in exit 0 as if nothing had happened (asyncio.run turns this
        # CancelledError into KeyboardInterrupt after a Ctrl-C).
        assert task is not None
        if task.cancelling():
            if received:
                raise Terminated(received[0])
            raise asyncio.CancelledError
        return result

    with forgiving_stdout():
        return asyncio.run(main())


def fail(exc: ByokError) -> int:
    _err(exc.describe())
    return exc.exit_code
