"""The headless commands (`run`, `verify`, `export`, `sandbox init`): the same engine as the screens.

stdout carries results (plain text, or JSON with --json); progress and errors go to stderr so that
`--json` output stays parseable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from types import ModuleType
from typing import Any, TextIO

from byok_tui import answers as answers_mod
from byok_tui import glyphs
from byok_tui import profile as profile_mod
from byok_tui.connection import Connection
from byok_tui.engine import access as access_step
from byok_tui.engine import apps as apps_step
from byok_tui.engine import authorize as authorize_step
from byok_tui.engine import confirm as confirm_step
from byok_tui.engine import enterprise_key as enterprise_key_step
from byok_tui.engine import network as network_step
from byok_tui.engine import runner, signin
from byok_tui.engine import share as share_step
from byok_tui.engine import test_configuration as test_step
from byok_tui.engine import vault as vault_step
from byok_tui.engine.model import Change, CheckResult, overall
from byok_tui.errors import ByokError, InputError
from byok_tui.session import Session, new_session_id
from byok_tui.state import WizardState


@dataclasses.dataclass(frozen=True)
class HeadlessStep:
    module: ModuleType
    section: str | None
    """The answers section that asks for this step; None when the step needs no answers of its own."""
    prerequisite: Callable[[WizardState], str | None]
    """What must already be true (from earlier steps), or None when the step can run."""


def _needs_sp(state: WizardState) -> str | None:
    return None if state.authorize.sp_object_id else "Step 1 has not found Kore's service principal (add [authorize])"


def _needs_vault(state: WizardState) -> str | None:
    return None if state.vault.vault_id and state.vault.key_id else "Step 2 has not recorded the vault (add [vault])"


def _needs_kore_app(state: WizardState) -> str | None:
    return None if state.authorize.kore_client_id else "the Kore client id is unknown (set [profile] kore_client_id)"


def _needs_enterprise_key(state: WizardState) -> str | None:
    return None if state.step("enterprise_key").applied else "the enterprise key is not recorded (add [enterprise_key])"


def _needs_console(state: WizardState) -> str | None:
    for step_id, section in (("enterprise_key", "enterprise_key"), ("test", None), ("apps", "apps")):
        if state.step(step_id).checked not in ("pass", "warn"):
            return f"{step_id} has not passed" + (f" (add [{section}])" if section else "")
    return None if state.share.export_dir else "no folder for the record (add [share])"


STEPS = (
    HeadlessStep(authorize_step, "authorize", _needs_kore_app),
    HeadlessStep(vault_step, "vault", lambda s: None),
    HeadlessStep(access_step, None, lambda s: _needs_sp(s) or _needs_vault(s)),
    HeadlessStep(share_step, "share", _needs_vault),
    HeadlessStep(network_step, "network", _needs_vault),
    HeadlessStep(enterprise_key_step, "enterprise_key", _needs_vault),
    HeadlessStep(test_step, None, _needs_enterprise_key),
    HeadlessStep(apps_step, "apps", lambda s: None),
    HeadlessStep(confirm_step, None, _needs_console),
)
"""Steps the headless run performs, in the guide's order."""


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
        flag = "  [irreversible]" if change.irreversible else ""
        print(f"{i}. {change.title}{flag}", file=out)
        print(f"   $ {change.az}", file=out)
        if change.detail and change.irreversible:
            print(f"   {change.detail}", file=out)


def print_checks(results: list[CheckResult], out: TextIO) -> None:
    for r in results:
        print(f"{glyphs.status(r.status)} {r.title}: {r.detail}", file=out)
        if r.remedy and r.status in ("warn", "fail"):
            print(f"    fix: {r.remedy}", file=out)
        if r.request_id:
            print(f"    request id: {r.request_id}", file=out)


def _confirm(changes: list[Change], yes: bool) -> None:
    if yes or not changes:
        return
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError("--yes", "is required to change Azure when no one can answer the prompt")
    reply = input(f"Apply these {len(changes)} changes to Azure? [y/N] ")
    if reply.strip().lower() not in ("y", "yes"):
        raise InputError("confirmation", "the operator declined; nothing was changed")


async def _connection_for(args: Any, answers: answers_mod.Answers) -> tuple[Connection, Any]:
    if args.sandbox_state is not None or answers.signin.get("method") == "sandbox":
        sb = sandbox_for(args.sandbox_state, getattr(args, "scenario", "default"), getattr(args, "faults", None))
        return sb.connection(), sb
    from byok_tui.azure import auth
    from byok_tui.clouds import get_cloud

    cloud = get_cloud(answers.signin.get("cloud", args.cloud or "AzureCloud"))
    return auth.live_connection(answers.signin.get("method", "azure-cli"), answers.signin["tenant_id"], cloud), None


async def run(args: Any) -> int:
    answers = answers_mod.load(args.answers)
    session = Session(args.session)
    state = session.load() or WizardState(session_id=new_session_id())
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
        session.save(state)
        report: dict[str, Any] = {"session": str(session.path), "steps": [], "skipped": [], "stopped_before": None}
        worst = "pass"
        for step in STEPS:
            title = step.module.TITLE
            if step.section and not answers.has(step.section):
                print(f"== {title}: skipped (no [{step.section}] answers) ==", file=out)
                report["skipped"].append(step.module.STEP_ID)
                continue
            if missing := step.prerequisite(state):
                print(f"== Stopped before {title}: {missing} ==", file=out)
                report["stopped_before"] = {"step": step.module.STEP_ID, "reason": missing}
                break
            state, results, changes = await _run_step(step.module, state, conn, session, args, out)
            report["steps"].append(
                {"id": step.module.STEP_ID, "plan": [asdict(c) for c in changes],
                 "checks": [asdict(r) for r in results], "status": overall(results)}
            )  # fmt: skip
            worst = _worse(worst, overall(results))
            if overall(results) == "fail" and not args.read_only:
                # Later steps build on this one: going on would configure Kore around a broken key.
                following = STEPS[STEPS.index(step) + 1 :]
                if following:
                    reason = f"{title} has failing checks; fix them and run again"
                    print(f"== Stopped: {reason} ==", file=out)
                    report["stopped_before"] = {"step": following[0].module.STEP_ID, "reason": reason}
                break
        report.update(status=worst, vault_uri=state.vault.vault_uri, key_id=state.vault.key_id,
                      kore_sp_object_id=state.authorize.sp_object_id)  # fmt: skip
        if args.json:
            print(json.dumps(report, indent=2))
        return 1 if worst == "fail" else 0
    finally:
        await _close(conn)


async def _preload_apps(
    state: WizardState, conn: Connection, answers: answers_mod.Answers, sb: Any, profile_path: str | None
) -> WizardState:
    import os

    from byok_tui.secret import Secret

    if not answers.has("apps"):
        return state
    # The same profile as the rest of the run: --profile, else $BYOK_TUI_PROFILE or ./byok.toml.
    # --profile (or $BYOK_TUI_PROFILE, ./byok.toml) names the host unless the answers' [apps] host does
    host = sb.kore_host if sb else apps_step.kore_host(conn, profile_mod.load(profile_path), state.apps.kore_host)
    secret = Secret(os.environ.get(apps_step.SECRET_ENV, ""))
    found = await apps_step.load(state, conn, host=host, secret=secret, progress=_progress_printer())
    state = apps_step.with_apps(state, found)
    return apps_step.deselect(state, answers.get("apps").get("deselect", []))


def _with_profile(state: WizardState, profile: profile_mod.Profile) -> WizardState:
    """Kore's facts from the profile, where the answers left them out."""
    if profile.kore_client_id and not state.authorize.kore_client_id:
        state = dataclasses.replace(
            state, authorize=dataclasses.replace(state.authorize, kore_client_id=profile.kore_client_id.lower())
        )
    if state.network.mode == "firewall" and not state.network.ip_rules and profile.kore_ip_ranges:
        state = dataclasses.replace(state, network=dataclasses.replace(state.network, ip_rules=profile.kore_ip_ranges))
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
    module: ModuleType, state: WizardState, conn: Connection, session: Session, args: Any, out: TextIO
) -> tuple[WizardState, list[CheckResult], list[Change]]:
    print(f"== {module.TITLE} ==", file=out)
    if prefill := getattr(module, "prefill", None):
        state = prefill(state)
    prepare = getattr(module, "prepare", None)
    if prepare and not args.read_only:
        state = await prepare(state, conn)
    for problem in getattr(module, "problems", lambda s: [])(state):
        raise problem
    changes = [] if args.read_only else module.plan(state)
    print_plan(changes, out)
    _confirm(changes, args.yes)
    if not args.read_only:
        # Even a step with nothing to change is "applied" once run, so verify re-checks it later.
        state = await runner.apply_plan(module, state, conn, session, _progress_printer(), changes)
    state, results = await runner.run_checks(module, state, conn, session)
    if not args.json:
        print_checks(results, sys.stdout)
    return state, results, changes


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
    state = session.load()
    if state is None:
        raise InputError("--session", f"no session at {session.path}; run the wizard or `byok-tui run` first")
    if args.sandbox_state is not None:
        conn = sandbox_for(args.sandbox_state, faults=getattr(args, "faults", None)).connection()
    else:
        from byok_tui.azure import auth
        from byok_tui.clouds import get_cloud

        conn = auth.live_connection(state.signin.method or "azure-cli", state.signin.tenant_id,
                                    get_cloud(state.signin.cloud))  # fmt: skip
    try:
        worst, report = "pass", []
        for step in (s.module for s in STEPS):
            if not state.step(step.STEP_ID).applied:
                report.append({"id": step.STEP_ID, "status": "skip", "checks": []})
                continue
            state, results = await runner.run_checks(step, state, conn, session)
            if not args.json:
                print(f"== {step.TITLE} ==")
                print_checks(results, sys.stdout)
            report.append({"id": step.STEP_ID, "status": overall(results), "checks": [asdict(r) for r in results]})
            worst = _worse(worst, overall(results))
        if args.json:
            print(json.dumps({"status": worst, "steps": report}, indent=2))
        return 1 if worst == "fail" else 0
    finally:
        await _close(conn)


def export(args: Any) -> int:
    state = Session(args.session).load()
    if state is None:
        raise InputError("--session", f"no session at {args.session}")
    print(export_text(state, args.format), end="")
    return 0


EXPORT_FORMATS = ("json", "md", "az")


def export_text(state: WizardState, fmt: str) -> str:
    """What `byok-tui export --format FMT` prints (the TUI's palette writes the same text to a file)."""
    v, s = state.vault, state.signin
    if fmt == "json":
        return json.dumps({
            "tenant_id": s.tenant_id, "subscription_id": s.subscription_id, "cloud": s.cloud,
            "key_vault_uri": v.vault_uri, "key_name": v.key_name, "key_identifier": v.key_id,
            "vault_resource_id": v.vault_id,
        }, indent=2) + "\n"  # fmt: skip
    lines: list[str] = []
    if fmt == "md":
        lines.append("# Kore.ai BYOK hand-off\n")
        for label, value in (("Tenant ID", s.tenant_id), ("Key Vault URI", v.vault_uri),
                             ("Key Name", v.key_name), ("Key identifier", v.key_id)):  # fmt: skip
            lines.append(f"- **{label}**: `{value or '(not recorded yet)'}`")
    else:
        lines.append("# az commands equivalent to this session's plan")
        for step in (s.module for s in STEPS):
            if not state.step(step.STEP_ID).applied_changes:
                continue
            for change in step.plan(state):
                lines.append(f"# {change.title}\n{change.az}")
    return "\n".join(lines) + "\n"


def sandbox_init(args: Any) -> int:
    from byok_tui.sandbox import Sandbox

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


def run_async(coro) -> int:
    return asyncio.run(coro)


def fail(exc: ByokError) -> int:
    _err(exc.describe())
    return exc.exit_code
