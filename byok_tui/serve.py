"""`byok-tui serve`: the same app in a browser tab, through textual-serve.

textual-serve runs a shell command per browser session and relays its terminal over a websocket. The
command is this program's `demo` (or, with --live, the wizard) with the options `serve` was given.
It listens on loopback unless --public: a wizard that can sign in to a customer's tenant should not be
reachable from the network by accident.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from typing import Any

from byok_tui.errors import InputError

SERVE_ONLY = frozenset({"command", "host", "port", "public", "public_url", "live"})
"""Options `serve` itself uses; every other option it was given is passed on to the app it serves."""
DEMO_ONLY = frozenset({"scenario", "faults", "sandbox_state"})
"""Options the live wizard does not take."""


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1). Any other name may resolve to
    an address others can reach, so it is not loopback."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_host(host: str, public: bool) -> None:
    if not public and not is_loopback(host):
        raise InputError("--host", f"{host} is not this machine's loopback address, so anyone who can reach "
                         "it could open the wizard; add --public to serve it there anyway, or use 127.0.0.1")  # fmt: skip


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def app_args(args: argparse.Namespace) -> list[str]:
    """The arguments of the app to serve: `demo` (or nothing, the live wizard) and every option given
    to `serve` that is not serve's own, in the order argparse stored them."""
    forwarded: list[str] = []
    for dest, value in vars(args).items():
        if dest in SERVE_ONLY or value is None or value is False:
            continue
        if args.live and dest in DEMO_ONLY:
            raise InputError(_flag(dest), "applies to the demo only; drop it or drop --live")
        if value is True:
            forwarded.append(_flag(dest))
        elif isinstance(value, list | tuple):
            for item in value:
                forwarded += [_flag(dest), str(item)]
        else:
            forwarded += [_flag(dest), str(value)]
    return forwarded if args.live else ["demo", *forwarded]


def command_line(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell command textual-serve runs for each browser session (it runs it through a shell)."""
    return shlex.join([python, "-m", "byok_tui", *app_args(args)])


def public_url(host: str, port: int) -> str:
    """The address browsers are sent to (textual-serve's own would leave an IPv6 host unbracketed)."""
    name = host.strip().strip("[]")
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def build_server(args: argparse.Namespace) -> Any:
    check_host(args.host, args.public)
    from textual_serve.server import Server

    class ByokServer(Server):
        def initialize_logging(self) -> None:
            # Logging is already set up (byok_tui.logs); textual-serve's own would print tracebacks with
            # their local variables on the console.
            pass

    title = "byok-tui" if args.live else "byok-tui demo"
    return ByokServer(command_line(args), host=args.host, port=args.port, title=title,
                      public_url=args.public_url or public_url(args.host, args.port))  # fmt: skip


def serve(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C. Exit 2 for a refused host or a port that cannot be bound."""
    server = build_server(args)
    try:
        server.serve()
    except OSError as e:
        raise InputError("--port", f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from e
    return 0
