"""`byok-tui demo`'s sandbox, built after the first frame instead of before it.

A world takes a millisecond to build, but what serves it (azure-core, httpx, cryptography) takes longer to
import than the whole first frame. So the demo checks its options at once (a bad one still exits 2 before
anything is drawn), hands the App a Connection at once, and builds the Sandbox in a thread: when the App
says its first frame is drawn (`Connection.prepare`), or on the first request if that comes sooner.

The Connection does what `Sandbox.connection()` does: its credential awaits the world without holding the
event loop; its transport factories, and the facts only the world knows (the operator's object id, the
Kore API client, the profile), wait for it if they are asked for first. This module imports nothing heavy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.connection import Connection
from byok_tui.errors import ByokError, InputError
from byok_tui.profile import Profile
from byok_tui.sandbox.faults import Faults, parse_faults

if TYPE_CHECKING:
    from byok_tui.sandbox.facade import Sandbox

SCENARIO_NAMES = ("default", "existing-vault", "restricted", "private-endpoint", "big-account", "no-locks")
"""The keys of `scenarios.SCENARIOS`, known without importing it (a unit test keeps the two equal)."""


def parse_options(state_file: str | None, scenario: str, faults: str | None) -> Faults | None:
    """The parsed fault SPEC; a bad SPEC, or an unknown scenario for a new world, is bad input (exit 2)
    named by its option."""
    try:
        parsed = parse_faults(faults) if faults else None
    except ValueError as e:
        raise InputError("--faults", str(e)) from e
    if not (state_file and Path(state_file).exists()) and scenario not in SCENARIO_NAMES:
        raise InputError(
            "--scenario", f"unknown sandbox scenario {scenario!r}: choose one of {', '.join(SCENARIO_NAMES)}"
        )
    return parsed


def open_sandbox(state_file: str | None, scenario: str = "default", faults: str | Faults | None = None,
                 *, realtime: bool = False, option: str = "--sandbox-state") -> Sandbox:  # fmt: skip
    """The sandbox world kept in `state_file` (created there on first use), or a fresh one in memory.

    A bad scenario name or fault SPEC is bad input (exit 2), named by its option.
    """
    parsed = faults if isinstance(faults, Faults) else parse_options(state_file, scenario, faults)
    from byok_tui.sandbox.facade import Sandbox

    if state_file and Path(state_file).exists():
        try:
            return Sandbox.load(state_file, parsed, realtime=realtime)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
            # A damaged or foreign world file is bad input, for every command that opens one; it stays as it was.
            raise InputError(option, f"{state_file} is not a byok-tui sandbox world that this version reads "
                             f"({type(e).__name__}: {str(e)[:200]})") from e  # fmt: skip
    try:
        sb = Sandbox.create(scenario, parsed, realtime=realtime)
    except ValueError as e:
        raise InputError("--scenario", str(e)) from e
    if state_file:
        sb.save(state_file)
        sb = Sandbox.load(state_file, parsed, realtime=realtime)
    return sb


FIRST_FRAME_GRACE = 0.1
"""Seconds a request that comes before the first frame lets the build wait for it: the App starts the
build once its first frame is drawn, and a build running beside that frame would slow it down."""


class DeferredSandbox:
    """A Sandbox built once, in a background thread: `start` begins the build, `result` waits for it
    (blocking), `wait` awaits it (the event loop runs on). A failed build raises in every waiter."""

    def __init__(self, state_file: str | None, scenario: str = "default", faults: str | None = None,
                 *, realtime: bool = False) -> None:  # fmt: skip
        parsed = parse_options(state_file, scenario, faults)  # bad input fails now, before anything is drawn
        self._build = lambda: open_sandbox(state_file, scenario, parsed, realtime=realtime)
        self._state_file = state_file
        self._future: Future[Sandbox] = Future()
        # Running from the start: a waiter that is cancelled (asyncio.wrap_future passes its cancellation
        # on) must not cancel the build that the other waiters share.
        self._future.set_running_or_notify_cancel()
        self._lock = threading.Lock()
        self._started = False

    @property
    def started(self) -> bool:
        return self._started

    def start(self) -> None:
        """Begin building (once; later calls do nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="sandbox-build", daemon=True).start()

    def _run(self) -> None:
        try:
            sandbox = self._build()
        except ValueError as exc:
            if self._state_file and not isinstance(exc, ByokError):  # a file that is not a world: say which
                exc = InputError("--sandbox-state", str(exc))
            self._future.set_exception(exc)
        except BaseException as exc:  # handed to every waiter, never lost with the thread
            self._future.set_exception(exc)
        else:
            self._future.set_result(sandbox)

    def result(self) -> Sandbox:
        self.start()
        return self._future.result()

    async def wait(self) -> Sandbox:
        if not self._started:
            asyncio.get_running_loop().call_later(FIRST_FRAME_GRACE, self.start)
        return await asyncio.wrap_future(self._future)

    # --- what the App gets, at once ----------------------------------------------------------------

    def credential(self, principal: str | None = None) -> DeferredCredential:
        return DeferredCredential(self, principal)

    def transport(self) -> Any:
        return self.result().transport()

    def graph_transport(self) -> Any:
        return self.result().graph_transport()

    def kore_transport(self) -> Any:
        return self.result().kore_transport()

    async def sleep(self, seconds: float) -> None:
        """The built sandbox's `sleep` (a wait comes after a request, so the world exists by then)."""
        await (await self.wait()).sleep(seconds)

    def connection(self, prepare: Callable[[], None] | None = None) -> DeferredConnection:
        """What `Sandbox.connection()` returns, before the world exists. `prepare` (default: `start`) is
        what the App calls after its first frame."""
        return DeferredConnection(
            credential=self.credential(),
            cloud=AZURE_PUBLIC,
            transport_factory=self.transport,
            graph_transport_factory=self.graph_transport,
            kore_transport_factory=self.kore_transport,
            label="Sandbox",
            impersonate=self.credential,
            prepare=prepare or self.start,
            resolve=lambda: self.result().connection(),
            sleep=self.sleep,
        )

    def profile(self) -> DeferredProfile:
        """What `Sandbox.profile()` returns, read from the world when first asked for."""
        return DeferredProfile(resolve=lambda: self.result().profile())


class DeferredCredential:
    """A sandbox token credential (`SandboxCredential`) for the operator or `principal`, once the world
    exists; until then a token request awaits the build without holding the event loop."""

    def __init__(self, sandbox: DeferredSandbox, principal: str | None = None) -> None:
        self._sandbox = sandbox
        self._principal = principal
        self._credential: Any = None

    async def _resolved(self) -> Any:
        if self._credential is None:
            self._credential = (await self._sandbox.wait()).credential(self._principal)
        return self._credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return await (await self._resolved()).get_token(*scopes, **kwargs)

    async def get_token_info(self, *scopes: str, options: dict[str, Any] | None = None) -> Any:
        return await (await self._resolved()).get_token_info(*scopes, options=options)

    async def close(self) -> None:
        if self._credential is not None:
            await self._credential.close()

    async def __aenter__(self) -> DeferredCredential:
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


def _read_through(names: frozenset[str]) -> Callable[[Any, str], Any]:
    """A `__getattribute__` that reads `names` from `self.resolve()` (waiting for it), the rest as usual."""

    def __getattribute__(self: Any, name: str) -> Any:
        if name in names:
            resolve = object.__getattribute__(self, "resolve")
            if resolve is not None:
                return getattr(resolve(), name)
        return object.__getattribute__(self, name)

    return __getattribute__


# repr=False, eq=False: Connection's own are the same (`resolve` is neither shown nor compared), and not
# generating them again saves a millisecond of the demo's start-up.
@dataclass(frozen=True, repr=False, eq=False)
class DeferredConnection(Connection):
    """A Connection whose world-given fields (the operator's object id, the Kore API client) are read from
    `resolve()`, the built sandbox's own Connection, when first read. The engine reads them only after a
    request, by when the world exists; an earlier read waits for it."""

    resolve: Callable[[], Connection] | None = field(default=None, compare=False, repr=False)

    __getattribute__ = _read_through(frozenset({"operator_object_id", "kore_api_client"}))


@dataclass(frozen=True, repr=False)  # Profile's repr is the same (see DeferredConnection); __eq__ is below
class DeferredProfile(Profile):
    """The sandbox's Profile, read from `resolve()` when a field is first read (after sign-in, in practice)."""

    resolve: Callable[[], Profile] | None = field(default=None, compare=False, repr=False)

    __getattribute__ = _read_through(frozenset(f.name for f in dataclasses.fields(Profile)))

    def __eq__(self, other: object) -> bool:  # equal to the Profile it stands for
        resolve = self.resolve
        return (resolve() if resolve else Profile()) == other

    def __hash__(self) -> int:
        resolve = self.resolve
        return hash(resolve() if resolve else Profile())
