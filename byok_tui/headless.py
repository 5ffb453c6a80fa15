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
from pathlib import Path
from typing import Any, TextIO

from byok_tui import answers as answers_mod
from byok_tui.connection import Connection
from byok_tui.engine import runner, signin
from byok_tui.engine import vault as vault_step
from byok_tui.engine.model import Change, CheckResult, overall
from byok_tui.errors import ByokError, InputError
from byok_tui.session import Session, new_session_id
from byok_tui.state import WizardState

GLYPH = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "–"}
STEPS = (vault_step,)
"""Steps the headless run can perform so far, in order."""


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sandbox_for(state_file: str | None, scenario: str = "default"):
    """The sandbox world kept in `state_file` (created there on first use), or a fresh one in memory."""
    from byok_tui.sandbox import Sandbox

    if state_file and Path(state_file).exists():
        return Sandbox.load(state_file)
    sb = Sandbox.create(scenario)
    if state_file:
        sb.save(state_file)
        sb = Sandbox.load(state_file)
    return sb


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
        print(f"{GLYPH[r.status]} {r.title}: {r.detail}", file=out)
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
        sb = sandbox_for(args.sandbox_state)
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
    for problem in vault_step.problems(state):
        raise problem
    conn, _sb = await _connection_for(args, answers)
    try:
        operator = await signin.operator_object_id(conn)
        state = dataclasses.replace(
            state, signin=dataclasses.replace(state.signin, operator_object_id=operator,
                                              method=state.signin.method or ("sandbox" if conn.is_sandbox else "")),
        )  # fmt: skip
        session.save(state)
        report: dict[str, Any] = {"session": str(session.path), "steps": []}
        worst = "pass"
        for step in STEPS:
            changes = [] if args.read_only else step.plan(state)
            out = sys.stderr if args.json else sys.stdout
            print(f"== {step.TITLE} ==", file=out)
            print_plan(changes, out)
            _confirm(changes, args.yes)
            if changes:
                state = await runner.apply_plan(step, state, conn, session, _progress_printer())
            state, results = await runner.run_checks(step, state, conn, session)
            if not args.json:
                print_checks(results, sys.stdout)
            report["steps"].append(
                {"id": step.STEP_ID, "plan": [asdict(c) for c in changes],
                 "checks": [asdict(r) for r in results], "status": overall(results)}
            )  # fmt: skip
            worst = _worse(worst, overall(results))
        report["status"] = worst
        report["vault_uri"] = state.vault.vault_uri
        report["key_id"] = state.vault.key_id
        if args.json:
            print(json.dumps(report, indent=2))
        return 1 if worst == "fail" else 0
    finally:
        await _close(conn)


def _worse(a: str, b: str) -> str:
    order = ["skip", "pass", "warn", "fail"]
    return max(a, b, key=order.index)


def _progress_printer() -> Callable[[str, float | None], None]:
    def progress(message: str, fraction: float | None = None) -> None:
        _err(f"  {message}")

    return progress


async def _close(conn: Connection) -> None:
    close = getattr(conn.credential, "close", None)
    if close:
        await close()


async def verify(args: Any) -> int:
    session = Session(args.session)
    state = session.load()
    if state is None:
        raise InputError("--session", f"no session at {session.path}; run the wizard or `byok-tui run` first")
    if args.sandbox_state is not None:
        conn = sandbox_for(args.sandbox_state).connection()
    else:
        from byok_tui.azure import auth
        from byok_tui.clouds import get_cloud

        conn = auth.live_connection(state.signin.method or "azure-cli", state.signin.tenant_id,
                                    get_cloud(state.signin.cloud))  # fmt: skip
    try:
        worst, report = "pass", []
        for step in STEPS:
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
    v, s = state.vault, state.signin
    if args.format == "json":
        print(json.dumps({
            "tenant_id": s.tenant_id, "subscription_id": s.subscription_id, "cloud": s.cloud,
            "key_vault_uri": v.vault_uri, "key_name": v.key_name, "key_identifier": v.key_id,
            "vault_resource_id": v.vault_id,
        }, indent=2))  # fmt: skip
    elif args.format == "md":
        print("# Kore.ai BYOK hand-off\n")
        for label, value in (("Tenant ID", s.tenant_id), ("Key Vault URI", v.vault_uri),
                             ("Key Name", v.key_name), ("Key identifier", v.key_id)):  # fmt: skip
            print(f"- **{label}**: `{value or '(not recorded yet)'}`")
    else:
        print("# az commands equivalent to this session's plan")
        for step in STEPS:
            for change in step.plan(state):
                print(f"# {change.title}\n{change.az}")
    return 0


def sandbox_init(args: Any) -> int:
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create(args.scenario)
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
