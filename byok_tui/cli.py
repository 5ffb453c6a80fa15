"""Command line: parse arguments, build what the command needs, hand over. No logic of its own.

Exit codes: 0 ok · 1 a check failed · 2 bad input or usage · 3 Azure / auth error · 4 run stopped early.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from byok_tui import __version__
from byok_tui.errors import ByokError, Terminated

EPILOG = (
    "exit codes: 0 everything asked for is done · 1 a check failed · 2 bad input or usage · "
    "3 Azure / auth error · 4 run stopped before every step was done"
)


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
                   help=f"write the diagnostic log here (default: {LOG_PATH}); never secrets")  # fmt: skip
    p.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="log in more detail; headless commands also print each request on stderr")  # fmt: skip
    p.add_argument("--ascii", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="draw with plain ASCII (also: BYOK_TUI_ASCII=1, or a locale that is not UTF-8)")  # fmt: skip
    p.add_argument("--theme", metavar="NAME", default=default,
                   help="colour theme, e.g. textual-light (ctrl+p > Theme lists them all)")  # fmt: skip


LOG_PATH = "@LOG_PATH@"
"""Stands for the default log's place in help texts until one is printed (finding it loads platformdirs)."""


class _Parser(argparse.ArgumentParser):
    def format_help(self) -> str:
        from byok_tui.logs import default_log_text

        return super().format_help().replace(LOG_PATH, default_log_text())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="byok-tui",
        description="Set up and prove Kore.ai Bring Your Own Key encryption with Azure Key Vault.",
        epilog=f"{EPILOG}. Every command logs each Azure request (never a secret) to "
        f"{LOG_PATH} unless --log-file says elsewhere.",
    )
    parser.add_argument("--version", action="version", version=f"byok-tui {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="the wizard against the built-in Azure sandbox (no account needed)",
                          epilog=EPILOG)  # fmt: skip
    _common(demo)
    demo.add_argument("--scenario", help="sandbox scenario for a new world (default: default)")
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
    run.add_argument("--scenario", help="sandbox scenario for a new --sandbox-state (default: default)")
    run.add_argument("--faults", metavar="SPEC", help="inject sandbox faults (see docs/sandbox.md)")

    verify = sub.add_parser("verify", help="re-run every check of a session headless", epilog=EPILOG)
    _common(verify)
    verify.add_argument("--sandbox-state", metavar="FILE", help="verify against this sandbox world")
    verify.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    verify.add_argument("--faults", metavar="SPEC", help="inject sandbox faults (see docs/sandbox.md)")

    export = sub.add_parser("export", help="print a session's hand-off values or az commands", epilog=EPILOG)
    _common(export)
    export.add_argument("--format", choices=("json", "md", "az"), default="json")

    recover = sub.add_parser("recover", help="set a damaged session file aside and rebuild it from its last good "
                             "save and journal", epilog=EPILOG)  # fmt: skip
    _common(recover)
    recover.add_argument("--journal-only", action="store_true",
                         help="ignore the saved backups: rebuild only what the journal proves")  # fmt: skip

    serve = sub.add_parser("serve", help="the demo (or, with --live, the wizard) in a browser tab, on localhost",
                           epilog=EPILOG)  # fmt: skip
    _common(serve)
    _serve_options(serve)

    sandbox = sub.add_parser("sandbox", help="manage sandbox worlds")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    init = sandbox_sub.add_parser("init", help="write a fresh sandbox world to a file")
    init.add_argument("--state", metavar="FILE", required=True)
    init.add_argument("--scenario", default="default")
    init.add_argument("--force", action="store_true", help="replace the world already in FILE")
    served = sandbox_sub.add_parser(
        "serve", help="serve a sandbox world on a loopback HTTPS proxy, for live mode (see docs/sandbox.md)",
        description="The sandbox on a real socket: an HTTPS forward proxy on loopback, with its own CA, that "
        "emulates Resource Manager, Key Vault, Microsoft Graph, Entra ID and Kore's API and forwards nothing. "
        "It prints the exports that let plain `byok-tui` (live mode) run against it.", epilog=EPILOG,
    )  # fmt: skip
    served.add_argument("--state", metavar="FILE", help="the world file (default: "
                        "~/.local/state/byok-tui/sandbox/world.json); made from --scenario when missing")  # fmt: skip
    served.add_argument("--scenario", help="scenario of a new world (default: default)")
    served.add_argument("--faults", metavar="SPEC", help="inject faults (see docs/sandbox.md)")
    served.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    served.add_argument(
        "--port", type=int, default=8443, help="port on 127.0.0.1 (default: 8443; 0: any free one)"
    )
    approve = sandbox_sub.add_parser("approve", help="complete a device sign-in on a served sandbox",
                                     epilog=EPILOG)  # fmt: skip
    approve.add_argument("code", metavar="CODE", help="the code the wizard shows")
    approve.add_argument("--proxy", metavar="URL", help="the served sandbox (default: $HTTPS_PROXY)")
    approve.add_argument("--decline", action="store_true", help="decline the sign-in instead")
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--public", action="store_true",
                       help="allow a --host other than this machine's loopback (anyone who reaches it gets the app)")  # fmt: skip
    serve.add_argument("--public-url", metavar="URL", help="the address browsers use, when behind a proxy")
    serve.add_argument(
        "--live", action="store_true", help="serve the wizard on live Azure instead of the demo"
    )
    # Demo options, forwarded to each browser session's `byok-tui demo`; no defaults here, so only what
    # was given is forwarded and the demo's own defaults apply.
    serve.add_argument("--scenario", help="sandbox scenario (default: default)")
    serve.add_argument("--faults", metavar="SPEC", help="inject sandbox faults (see docs/sandbox.md)")
    serve.add_argument("--sandbox-state", metavar="FILE", help="keep the sandbox world in this file")


def _session_path(args: argparse.Namespace) -> str:
    from byok_tui.session import default_session_path

    return str(args.session) if args.session else str(default_session_path())


TUI_COMMANDS = (None, "demo")
"""Commands that draw on the terminal: logging must never write to it."""
HEADLESS_COMMANDS = ("run", "verify", "recover")
"""Commands that talk to Azure without a screen: on failure they end by naming the log."""


def _logging(args: argparse.Namespace) -> None:
    from byok_tui import logs

    log_file, verbose = getattr(args, "log_file", None), bool(getattr(args, "verbose", False))
    if args.command in TUI_COMMANDS:  # the App opens the file once its first frame is drawn
        logs.setup_deferred(log_file, verbose=verbose, command=args.command or "")
    else:
        logs.setup(log_file, verbose=verbose, command=args.command)


def _point_at_log(args: argparse.Namespace, code: int) -> int:
    from byok_tui import logs

    if code not in (0, 4) and code < 128 and args.command in HEADLESS_COMMANDS and logs.current_path():
        print(f"details: {logs.current_path()}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(e.code or 0)
    _logging(args)
    try:
        return _point_at_log(args, _dispatch(parser, args))
    except ByokError as exc:
        logging.getLogger("byok_tui.cli").warning("%s failed: %s", args.command, exc.describe())
        print(exc.describe(), file=sys.stderr)
        return _point_at_log(args, exc.exit_code)
    except KeyboardInterrupt:
        return _interrupted(args, 2)  # SIGINT: 128 + 2
    except Terminated as exc:  # SIGTERM or SIGHUP
        return _interrupted(args, exc.signum)
    except Exception:
        logging.getLogger("byok_tui.cli").exception("%s stopped on an unexpected error", args.command)
        _point_at_log(args, 1)
        raise
    finally:
        from byok_tui import logs

        logs.open_deferred()  # a TUI that stopped before its first frame: what it logged still reaches the file


def _interrupted(args: argparse.Namespace, signum: int) -> int:
    """One line on how to resume; exit 128 + the signal (130 for Ctrl-C). The terminal may be gone (SIGHUP)."""
    import contextlib

    where = f" {args.session}" if getattr(args, "session", None) else ""
    with contextlib.suppress(OSError, ValueError):
        print(f"Interrupted: the session{where} is saved; run the same command again to resume.",
              file=sys.stderr, flush=True)  # fmt: skip
    return 128 + signum


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command in (
        "sandbox",
        "run",
        "verify",
        "export",
        "recover",
    ):  # not the wizard: it would only slow its start
        from byok_tui import headless

    if args.command == "sandbox":
        if args.sandbox_command in ("serve", "approve"):
            from byok_tui.sandbox import served

            return served.serve(args) if args.sandbox_command == "serve" else served.approve(args)
        return headless.sandbox_init(args)
    if args.command == "serve":
        from byok_tui import serve

        return serve.serve(args)
    args.session = _session_path(args) if args.command != "demo" or args.session else None
    if args.command is None:
        return _live(args)
    if args.command == "run":
        return headless.run_async(headless.run(args))
    if args.command == "verify":
        return headless.run_async(headless.verify(args))
    if args.command == "export":
        return headless.export(args)
    if args.command == "recover":
        return headless.recover(args)
    if args.command == "demo":
        return _demo(args)
    parser.error(f"unknown command {args.command}")
    return 2


# What a customer's tenant feels like from a jump host: each service answers in its usual time.
DEMO_LATENCY = (
    "latency:login=250ms,latency:arm=300ms,latency:keyvault=90ms,latency:graph=180ms,latency:kore=150ms"
)
# A new vault registers its DNS name for about half a minute, as in Azure (unless the faults say otherwise).
DEMO_VAULT_DNS = "vault-dns=30s"
# Kore's documented Get Bots limits, so the demo shows the client pacing itself.
DEMO_KORE_LIMITS = "kore-limits=on"


def demo_faults(spec: str | None) -> str:
    faults = spec or DEMO_LATENCY
    for kind, default in (("vault-dns", DEMO_VAULT_DNS), ("kore-limits", DEMO_KORE_LIMITS)):
        if kind not in faults:
            faults = f"{faults},{default}"
    return faults


def _demo(args: argparse.Namespace) -> int:
    """The wizard on the sandbox. Its first frame is drawn before the heavy work: the sandbox (and the
    azure-core, httpx and cryptography it imports) is built in a thread once that frame is on screen, and
    the garbage collector waits until then too (start-up allocates much and frees little)."""
    import gc

    gc.disable()
    try:
        from byok_tui.sandbox.deferred import DeferredSandbox
        from byok_tui.worlds import refuse_other_scenario, refuse_sandbox_session_without_world

        refuse_other_scenario(args.sandbox_state, args.scenario)
        sb = DeferredSandbox(args.sandbox_state, args.scenario or "default", demo_faults(args.faults),
                             realtime=True)  # fmt: skip

        def after_first_frame() -> None:
            gc.enable()
            gc.freeze()  # what start-up made lives as long as the App: later collections need not scan it
            sb.start()

        from byok_tui import glyphs
        from byok_tui.app import build_app

        session, state, problem, lock = (
            _tui_session(args.session) if args.session else (None, None, None, None)
        )
        try:
            if (
                state is not None
                and not args.sandbox_state
                and any(r.applied_changes for r in state.steps.values())
            ):
                refuse_sandbox_session_without_world(state.signin.method, str(session.path), "demo")
            profile = load_profile(args.profile) if args.profile else sb.profile()
            app = build_app(sb.connection(prepare=after_first_frame), session, state, profile=profile,
                            ascii=glyphs.wants_ascii(args.ascii), theme=args.theme, session_problem=problem)  # fmt: skip
            app.run()
        finally:
            if lock is not None:
                lock.release()
    finally:
        gc.enable()
    return app.return_code or 0


def _tui_session(path: str):
    """(Session, state, problem, lock) for a TUI: the lock is held (SessionBusy, exit 2, if another byok-tui
    holds it); an unusable file is not an error here but a `problem` the App opens on."""
    from byok_tui.errors import SessionError
    from byok_tui.session import Session
    from byok_tui.session_lock import SessionLock, describe
    from byok_tui.session_recovery import open_session

    session = Session(path)
    lock = SessionLock(session.path, "byok-tui").acquire()
    if lock.previous:
        logging.getLogger("byok_tui.cli").warning(
            "took over %s from %s", session.path, describe(lock.previous)
        )
    try:
        return session, open_session(session), None, lock
    except SessionError as exc:
        return session, None, getattr(exc, "problem", None), lock
    except BaseException:
        lock.release()
        raise


def _live(args: argparse.Namespace) -> int:
    """The wizard against live Azure: it opens on Sign-in (no credential yet), resuming the session."""
    import dataclasses

    from byok_tui import glyphs
    from byok_tui.app import build_app
    from byok_tui.clouds import UnknownCloud, get_cloud
    from byok_tui.connection import Connection
    from byok_tui.errors import InputError
    from byok_tui.session import new_session_id
    from byok_tui.state import WizardState
    from byok_tui.worlds import refuse_sandbox_session_without_world

    profile = load_profile(args.profile)
    session, loaded, problem, lock = _tui_session(args.session)
    try:
        state = loaded or WizardState(session_id=new_session_id())
        refuse_sandbox_session_without_world(state.signin.method, str(session.path), "demo")
        try:
            cloud = get_cloud(args.cloud or (state.signin.cloud if state.signin.method else profile.cloud))
        except UnknownCloud as e:
            raise InputError("--cloud", str(e)) from e
        if cloud.name != state.signin.cloud:
            state = dataclasses.replace(state, signin=dataclasses.replace(state.signin, cloud=cloud.name))
        app = build_app(Connection(credential=None, cloud=cloud, label="Azure"), session, state, profile=profile,
                        ascii=glyphs.wants_ascii(args.ascii), theme=args.theme, session_problem=problem)  # fmt: skip
        app.run()
    finally:
        lock.release()
    return app.return_code or 0


def load_profile(path: str | None):
    from byok_tui import profile

    return profile.load(path)


if __name__ == "__main__":
    raise SystemExit(main())
