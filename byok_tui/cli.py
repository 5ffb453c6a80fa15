"""Command line: parse arguments, build what the command needs, hand over. No logic of its own.

Exit codes: 0 ok · 1 a check failed · 2 bad input or usage · 3 Azure / auth error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from byok_tui import __version__
from byok_tui.errors import ByokError

EPILOG = "exit codes: 0 ok · 1 a check failed · 2 bad input or usage · 3 Azure / auth error"


def _common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Options may come before or after the command. Only the top level sets defaults: a subparser's
    # default would overwrite a value given before the command.
    default = None if top else argparse.SUPPRESS
    p.add_argument("--session", metavar="FILE", default=default, help="session file (default: "
                   "$BYOK_TUI_SESSION or ~/.local/state/byok-tui/session.json)")  # fmt: skip
    p.add_argument("--profile", metavar="FILE", default=default,
                   help="Kore profile (default: $BYOK_TUI_PROFILE or ./byok.toml)")  # fmt: skip
    p.add_argument("--cloud", metavar="NAME", default=default,
                   help="AzureCloud, AzureUSGovernment or AzureChinaCloud")  # fmt: skip
    p.add_argument("--log-file", metavar="FILE", default=default,
                   help="write a diagnostic log here (never secrets)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="byok-tui",
        description="Set up and prove Kore.ai Bring Your Own Key encryption with Azure Key Vault.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"byok-tui {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the wizard against the built-in Azure sandbox (no account needed)",
                          epilog=EPILOG)  # fmt: skip
    _common(demo)
    demo.add_argument("--scenario", default="default", help="sandbox scenario (default: default)")
    demo.add_argument("--faults", metavar="SPEC", help="inject faults, e.g. throttle:arm=0.2,latency=300ms,seed=7 "
                      "(default: realistic latency)")  # fmt: skip
    demo.add_argument("--sandbox-state", metavar="FILE", help="keep the sandbox world in this file")

    run = sub.add_parser("run", help="perform every step headless from an answers file", epilog=EPILOG)
    _common(run)
    run.add_argument("--answers", metavar="FILE", required=True, help="TOML answers (see README)")
    run.add_argument("--sandbox-state", metavar="FILE", help="run against the sandbox world in this file")
    run.add_argument("--yes", action="store_true", help="apply without asking")
    run.add_argument("--read-only", action="store_true", help="plan and check, change nothing")
    run.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    run.add_argument("--scenario", default="default", help="sandbox scenario for a new --sandbox-state")
    run.add_argument("--faults", metavar="SPEC", help="inject sandbox faults (see docs/sandbox.md)")

    verify = sub.add_parser("verify", help="re-run every check of a session headless", epilog=EPILOG)
    _common(verify)
    verify.add_argument("--sandbox-state", metavar="FILE", help="verify against this sandbox world")
    verify.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    verify.add_argument("--faults", metavar="SPEC", help="inject sandbox faults (see docs/sandbox.md)")

    export = sub.add_parser("export", help="print a session's hand-off values or az commands", epilog=EPILOG)
    _common(export)
    export.add_argument("--format", choices=("json", "md", "az"), default="json")

    sandbox = sub.add_parser("sandbox", help="manage sandbox worlds")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    init = sandbox_sub.add_parser("init", help="write a fresh sandbox world to a file")
    init.add_argument("--state", metavar="FILE", required=True)
    init.add_argument("--scenario", default="default")
    return parser


def _session_path(args: argparse.Namespace) -> str:
    from byok_tui.session import default_session_path

    return str(args.session) if args.session else str(default_session_path())


def _logging(args: argparse.Namespace) -> None:
    if getattr(args, "log_file", None):
        logging.basicConfig(filename=args.log_file, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
        # azure-core's HTTP logging policy redacts headers at INFO but would log bodies at DEBUG, and
        # httpx logs whole URLs with their queries: byok_tui.requests logs each request safely instead.
        for noisy in ("azure", "httpx", "httpcore", "msal", "kiota_http"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(e.code or 0)
    _logging(args)
    try:
        return _dispatch(parser, args)
    except ByokError as exc:
        print(exc.describe(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted. The session was saved after the last completed change; run again to resume.",
              file=sys.stderr)  # fmt: skip
        return 130


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from byok_tui import headless

    if args.command == "sandbox":
        return headless.sandbox_init(args)
    args.session = _session_path(args) if args.command != "demo" or args.session else None
    if args.command is None:
        return _live(args)
    if args.command == "run":
        return headless.run_async(headless.run(args))
    if args.command == "verify":
        return headless.run_async(headless.verify(args))
    if args.command == "export":
        return headless.export(args)
    if args.command == "demo":
        return _demo(args)
    parser.error(f"unknown command {args.command}")
    return 2


# What a customer's tenant feels like from a jump host: each service answers in its usual time.
DEMO_LATENCY = "latency:login=250ms,latency:arm=300ms,latency:keyvault=90ms,latency:graph=180ms,latency:kore=150ms"


def _demo(args: argparse.Namespace) -> int:
    from byok_tui.headless import sandbox_for

    sb = sandbox_for(args.sandbox_state, args.scenario, args.faults or DEMO_LATENCY, realtime=True)
    from byok_tui.app import build_app
    from byok_tui.session import Session

    session = Session(args.session) if args.session else None
    profile = load_profile(args.profile) if args.profile else sb.profile()
    app = build_app(sb.connection(), session, session.load() if session else None, profile=profile)
    app.run()
    return app.return_code or 0


def _live(args: argparse.Namespace) -> int:
    """The wizard against live Azure: it opens on Sign-in (no credential yet), resuming the session."""
    import dataclasses

    from byok_tui.app import build_app
    from byok_tui.clouds import UnknownCloud, get_cloud
    from byok_tui.connection import Connection
    from byok_tui.errors import InputError
    from byok_tui.session import Session, new_session_id
    from byok_tui.state import StateError, WizardState

    profile = load_profile(args.profile)
    session = Session(args.session)
    try:
        state = session.load() or WizardState(session_id=new_session_id())
    except StateError as e:
        raise InputError("--session", f"{e}; move it aside to start a new session") from e
    try:
        cloud = get_cloud(args.cloud or (state.signin.cloud if state.signin.method else profile.cloud))
    except UnknownCloud as e:
        raise InputError("--cloud", str(e)) from e
    if cloud.name != state.signin.cloud:
        state = dataclasses.replace(state, signin=dataclasses.replace(state.signin, cloud=cloud.name))
    app = build_app(Connection(credential=None, cloud=cloud, label="Azure"), session, state, profile=profile)
    app.run()
    return app.return_code or 0


def load_profile(path: str | None):
    from byok_tui import profile

    return profile.load(path)
