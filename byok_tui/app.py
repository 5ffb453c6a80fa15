"""The byok-tui App: holds the WizardState and the Connection, shows one step screen at a time.

`build_app` is the only way to get one: the CLI and the tests both call it, so what is tested is what
ships. Screens render `app.state` and call engine functions in workers; writes to Azure run here, in
App-level workers, so leaving a screen never cuts a change in half.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.events import Resize
from textual.filter import LineFilter
from textual.message_pump import MessagePump
from textual.reactive import var
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from byok_tui.connection import Connection
from byok_tui.engine import steps
from byok_tui.engine.model import Change, CheckResult
from byok_tui.errors import ByokError
from byok_tui.profile import Profile
from byok_tui.state import WizardState

if TYPE_CHECKING:
    from textual.screen import Screen

    from byok_tui.engine.runner import SessionLike
    from byok_tui.engine.step import Step

logger = logging.getLogger(__name__)


NARROW_BELOW = 100
"""Terminal width (columns) under which the `narrow` layout applies: stepper collapses to one line."""
CRAMPED_BELOW = 72
"""Terminal width under which the footer can no longer show every key: `? Help` docks at its right end."""

Clock = Callable[[], datetime]


def _first_screen_css() -> Path:
    """The Sign-in screen's stylesheet, read with the App's own: a screen that brings a stylesheet the
    App has not read makes Textual parse every stylesheet again, before the first frame (issue #7)."""
    from byok_tui import screens

    return (Path(screens.__file__).parent / "signin.tcss").resolve()


class ByokApp(App[None]):
    """The wizard. Build it with `build_app`.

    | Key | Action |
    | :- | :- |
    | ctrl+q | Quit (asks again while changes are being applied) |
    | ctrl+p | Command palette |
    | ?, F1 | Help: the keys of this screen |
    """

    CSS_PATH = ["app.tcss", _first_screen_css()]
    TITLE = "byok-tui"
    SUB_TITLE = "Kore.ai BYOK with Azure Key Vault"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave the wizard", priority=True),
        # Two bindings, so the footer still shows one (F1) while a text field swallows "?".
        Binding(
            "question_mark", "help", "Help", id="help", key_display="?", tooltip="Every key of this screen"
        ),
        Binding("f1", "help", "Help", id="help-f1", key_display="F1", tooltip="Every key of this screen"),
    ]
    # The wizard's commands come through get_system_commands, so that they list before Textual's own.

    # `var`, not `reactive`: the App draws none of them itself, and a reactive's change repaints the whole
    # screen (a full repaint after every saved change: 20-45 ms on the apps screen, issue #7). The widgets
    # that show them watch them and refresh themselves.
    state: var[WizardState] = var(WizardState, init=False)
    """The single source of truth. Replaced whole (`set_state`), never mutated."""
    subscription_name: var[str] = var("")
    """Display name of the chosen subscription, when known (shown in the header)."""
    applying: var[bool] = var(False, bindings=True)
    """True while an App-level apply worker runs: Back and leaving are disabled."""

    extra_line_filters: Sequence[LineFilter] = ()

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, *self.extra_line_filters] if self.extra_line_filters else filters

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The wizard's own commands first (go to a step, re-run checks, export, copy), then Textual's
        (Keys, Maximize, Screenshot, Theme): an empty palette opens on what the wizard does."""
        from byok_tui.screens.commands import wizard_commands

        for command in wizard_commands(self, screen):
            yield SystemCommand(command.name, command.help, command.run)
        yield from super().get_system_commands(screen)

    def __init__(
        self,
        conn: Connection,
        session: SessionLike | None,
        state: WizardState,
        *,
        start_step: str,
        clock: Clock,
        profile: Profile | None = None,
        ascii: bool = False,
        theme: str | None = None,
        session_problem: Any = None,
    ) -> None:
        super().__init__()
        from byok_tui.screens import terminal_modes

        self.extra_line_filters = terminal_modes.setup(self, ascii=ascii, theme=theme)
        """Drawn after Textual's own line filters (ASCII mode's)."""
        self.conn = conn
        """How the engine reaches Azure (or the sandbox). Live, it has no credential until the Sign-in
        screen replaces it with a signed-in one."""
        self.profile = profile or Profile()
        """Kore's facts (client id, app name, IP ranges, default cloud and region)."""
        self.preflight: list[CheckResult] = []
        """The Sign-in screen's last pre-flight (what the operator may do); not saved, re-run on sign-in."""
        self.session = session
        """Saves the state and journals changes; None keeps everything in memory."""
        self.start_step = start_step
        self.clock = clock
        """Wall clock for the progress log; tests pass a frozen one."""
        from byok_tui.screens import registry

        self.built_steps = registry.built_steps()
        """Step ids that have a screen; the stepper shows the others as "not built yet"."""
        self.show_timings = True
        """Show check latencies (ms). Snapshot tests turn this off: latencies differ run to run."""
        self._quit_armed = False
        self.inputs = 0
        """Key presses, clicks, scrolls and pastes so far (not mouse moves): a widget that follows its layout
        until the operator acts compares counts (screens/widgets/reveal.py)."""
        from byok_tui.idle_gc import IdleCollector

        self.idle_gc = IdleCollector()
        """Keeps full garbage collections short, and compacts while the operator is idle (see byok_tui.idle_gc)."""
        self.session_problem = session_problem
        """A `session_recovery.SessionProblem` when the session file could not be used: the App opens on a
        page that says so and offers to recover it, before any step."""
        self._signals: list[int] = []
        self._previous_clock: Any = None
        self.set_reactive(ByokApp.state, state)

    # --- state ---------------------------------------------------------------------------

    def set_state(self, state: WizardState, *, save: bool = True) -> None:
        """Replace the state; save it through the session unless the caller (the runner) already did."""
        self.state = state
        if save and self.session is not None:
            self.session.save(state)

    # --- screens -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("Signing in…", id="splash")

    @property
    def signed_in(self) -> bool:
        """True once the connection has a credential: the sandbox from the start, live after Sign-in."""
        return self.conn.credential is not None

    def on_mount(self) -> None:
        # Textual draws nothing while the App starts (its start-up batch), yet a screen pushed then is laid
        # out and counted as drawn: its first frame would hold only what changed since, and its refresh
        # callbacks would run before any frame. The App's own messages wait until it has started.
        # The layout class before any screen exists: the first Resize then changes nothing, where adding it
        # there would restyle the whole first screen before its first frame.
        self._set_width_classes(self.size.width)
        self._install_clock_and_signals()
        self.call_later(self._show_first_screen)
        self.idle_gc.install()
        self.set_interval(self.idle_gc.period, self._collect_if_idle, name="idle-gc")
        from byok_tui import perf

        self.perf = perf.install(self)
        """Whether the performance package's Textual-internal parts run, and why (see byok_tui.perf)."""
        if not self.perf.enabled:  # when on, perf.css_preload does this and more
            self.screen_change_signal.subscribe(self, self._read_step_css_once, immediate=True)

    def _read_step_css_once(self, screen: Screen[Any]) -> None:
        """Once the first screen is drawn, every step screen's stylesheet is read in a thread, so opening
        one does not re-parse every stylesheet on the event loop (screens/stylesheets.py)."""
        from byok_tui.screens import stylesheets

        self.screen_change_signal.unsubscribe(self)
        screen.call_after_refresh(stylesheets.start, self)

    def _collect_if_idle(self) -> None:
        self.idle_gc.tick(busy=self.applying or any(w.is_running for w in self.workers))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent | events.Paste) and not isinstance(event, events.MouseMove):
            self.inputs += 1
            self.idle_gc.activity()
        await super().on_event(event)

    def _install_clock_and_signals(self) -> None:
        """While the App runs, its clock is the one clock (so the engine's date rules and the screens agree),
        and SIGTERM / SIGHUP (a closed SSH connection) end it the way ctrl+q does: what is queued is saved,
        an apply in flight is cancelled and journalled as interrupted, and the lock is released."""
        import asyncio
        import signal

        from byok_tui import clock

        if self.clock is not clock.now:
            self._previous_clock = clock.set_source(self.clock)
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
                continue
            self._signals.append(sig)

    def _on_signal(self, signum: int) -> None:
        logger.warning("signal %s: saving the session and leaving", signum)
        self.exit(return_code=128 + signum)

    def _show_first_screen(self) -> None:
        if self.session_problem is not None:
            from byok_tui.screens.session_problem import SessionProblemScreen

            self.push_screen(SessionProblemScreen(self.session_problem))
        else:
            self._enter_wizard()
        from byok_tui import logs

        self.screen.call_after_refresh(
            logs.open_deferred
        )  # the CLI's TUI commands defer opening the log file

    def resume_with(self, state: WizardState) -> None:
        """Leave the session-problem page for the wizard, on `state` (recovered or new), where it resumes."""
        self.session_problem = None
        self.set_reactive(ByokApp.state, state)
        self.start_step = first_step(state, self.conn)
        self.pop_screen()
        self._enter_wizard()

    def _enter_wizard(self) -> None:
        if self.start_step == "signin" or not self.signed_in:
            self.push_screen(self._screen_for("signin"))
        elif self.state.signin.subscription_id:
            self.push_screen(self._screen_for(self.start_step))
            self.run_worker(
                self._name_subscription(), name="subscription-name", group="signin", exit_on_error=False
            )
        else:
            self.run_worker(self._sign_in(), name="signin", group="signin", exit_on_error=False,
                            description="Reading the tenant and subscription")  # fmt: skip
        if self.conn.prepare is not None:  # the demo's sandbox: built once the first screen is drawn
            self.screen.call_after_refresh(self.conn.prepare)

    async def _sign_in(self) -> None:
        """Fill `state.signin` from what the connection can tell (engine.signin.discover) and record the
        pre-flight, then show the first screen: for the sandbox started past the Sign-in screen."""
        from byok_tui.engine import runner, signin
        from byok_tui.screens.widgets.modals import ErrorModal

        try:
            found = await signin.discover(self.conn, self.state.signin)
            names = {s.subscription_id: s.display_name for s in await signin.subscriptions(self.conn)}
        except ByokError as exc:
            self.push_screen(self._screen_for(self.start_step))
            self.push_screen(ErrorModal(exc, context="Sign-in"))
            return
        self.subscription_name = names.get(found.subscription_id, "")
        state = dataclasses.replace(self.state, signin=found)
        if found.subscription_id:  # the pre-flight the Sign-in screen would have shown, recorded
            state, self.preflight = await runner.run_checks(signin.STEP, state, self.conn, self.session,
                                                            now=self.clock())  # fmt: skip
            state = signin.signed_in(state, self.preflight)
        self.set_state(state)
        self.push_screen(self._screen_for(self.start_step))

    async def _name_subscription(self) -> None:
        """The display name of a resumed session's subscription, for the header (best effort)."""
        from byok_tui.engine import signin

        try:
            subscriptions = await signin.subscriptions(self.conn)
        except ByokError:
            return
        wanted = self.state.signin.subscription_id.lower()
        self.subscription_name = next(
            (s.display_name for s in subscriptions if s.subscription_id.lower() == wanted), ""
        )

    def _screen_for(self, step_id: str) -> Screen[Any]:
        from byok_tui.screens import registry  # screens import lazily: they import this module

        return registry.screen_for(step_id)

    def on_stepper_selected(self, event: Any) -> None:
        self.action_goto_step(event.step_id)

    def goto_refusal(self, step_id: str) -> tuple[str, str] | None:
        """(title, why) when the App will not show that step now; None when it will."""
        from byok_tui.screens.widgets.stepper import STEP_LABELS

        if step_id != "signin" and not (self.signed_in and self.state.signin.subscription_id):
            return "Not signed in", "Sign in and choose a subscription first."
        if step_id not in self.built_steps:
            return (
                "Not built yet",
                f"“{STEP_LABELS[step_id]}” is not built yet: it is coming in a later release.",
            )
        if self.applying:
            return "Still applying", "Wait until the changes being applied are done."
        return None

    def action_goto_step(self, step_id: str) -> None:
        """Show a step's screen; for a step that is not built yet, say so (never a fake screen)."""
        if step_id == getattr(self.screen, "STEP_ID", ""):
            return
        if refusal := self.goto_refusal(step_id):
            title, why = refusal
            self.notify(why, title=title, severity="information" if title == "Not built yet" else "warning")
            return
        self.switch_screen(self._screen_for(step_id))

    def action_help(self) -> None:
        """Show every key of the current screen (screens/help.py), built from its live bindings."""
        from byok_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Last resort for any worker that failed: say what broke instead of failing silently.

        Workers catch the ByokErrors they expect and show them in place; whatever still escapes
        (a bug, an untranslated SDK error) lands here as an error modal, never a traceback.
        """
        if event.state != WorkerState.ERROR:
            return
        from byok_tui.screens.widgets.modals import ErrorModal

        error = event.worker.error
        logger.error("worker %r failed", event.worker.name, exc_info=error)
        if not isinstance(error, ByokError):
            error = ByokError(
                f"Unexpected error ({event.worker.description or event.worker.name})",
                detail=f"{type(error).__name__}: {error}",
                remedy="Try again. If it keeps happening, report it with the log file (--log-file).",
            )
        self.push_screen(ErrorModal(error))

    def on_resize(self, event: Resize) -> None:
        self._set_width_classes(event.size.width)

    def _set_width_classes(self, width: int) -> None:
        self.set_class(width < NARROW_BELOW, "narrow")
        self.set_class(width < CRAMPED_BELOW, "cramped")

    # --- apply (App-level so leaving a screen never cuts a change in half) ---------------------

    def start_apply(self, step: Step, changes: list[Change], reporter: MessagePump) -> Worker[None]:
        """Run `runner.apply_plan` for `changes` in an App-level worker.

        `reporter` (the screen) receives `ApplyProgress` lines and one `ApplyFinished`; by the time it
        arrives `self.state` holds the result (or, on failure, the state as last saved).
        """
        self.applying = True
        return self.run_worker(
            self._apply(step, changes, reporter),
            name=f"apply:{step.id}",
            group="apply",
            exclusive=True,
            exit_on_error=False,
            description=f"Applying {step.title}",
        )

    async def _apply(self, step: Step, changes: list[Change], reporter: MessagePump) -> None:
        from byok_tui.engine import runner
        from byok_tui.screens.messages import ApplyFinished, ApplyProgress

        step_id = step.id

        def progress(message: str, fraction: float | None = None) -> None:
            stamp = self.clock().strftime("%H:%M:%S")
            reporter.post_message(ApplyProgress(step_id, message, fraction, stamp))

        error: ByokError | None = None
        try:
            state = await runner.apply_plan(step, self.state, self.conn, self.session, progress, changes,
                                            now=self.clock())  # fmt: skip
        except runner.ApplyFailed as failed:
            error = failed.error
            self.set_state(failed.state, save=False)  # what was done before it stopped (saved already)
        except ByokError as exc:  # refused before any change (e.g. the enforcement lock)
            error = exc
        except Exception as exc:  # last: anything the adapters did not translate
            logger.error("apply %s failed", step_id, exc_info=exc)
            error = ByokError(
                f"Unexpected error while applying {step.title}",
                detail=f"{type(exc).__name__}: {exc}",
                remedy="Run the step again: applied changes are adopted, never made twice. "
                "If it keeps failing, report it with the log file.",
            )
        else:
            self.set_state(state, save=False)
        finally:
            self.applying = False
        reporter.post_message(ApplyFinished(step_id, error))

    def cancel_apply(self) -> bool:
        """Stop the running apply (e.g. waiting for admin consent). True if one was running.

        Only for waits that change nothing in Azure: the screen that asks says what was left undone.
        """
        running = [w for w in self.workers if w.group == "apply" and w.is_running]
        for worker in running:
            worker.cancel()
        self.applying = False
        return bool(running)

    async def on_unmount(self) -> None:
        """The credential lives as long as the App: close it (and the HTTP session it holds)."""
        import asyncio

        from byok_tui import clock
        from byok_tui.engine import signin

        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()
        if self.clock is not clock.now:
            clock.set_source(self._previous_clock)
        self.idle_gc.uninstall()
        try:
            await signin.close(self.conn)
        except Exception as exc:  # closing must never stop the exit
            logger.warning("closing the credential failed: %s", exc)
        await _close_session_writer(self.session)

    def action_quit(self) -> None:  # type: ignore[override]
        if self.applying and not self._quit_armed:
            self._quit_armed = True
            self.notify(
                "Changes are being applied in Azure. Quitting now may leave one half-made "
                "(running the step again adopts it). Press ctrl+q again to quit anyway.",
                severity="warning",
                title="Still applying",
            )
            return
        self.exit()


def build_app(
    conn: Connection,
    session: SessionLike | None = None,
    state: WizardState | None = None,
    *,
    start_step: str | None = None,
    clock: Clock | None = None,
    profile: Profile | None = None,
    ascii: bool = False,
    theme: str | None = None,
    session_problem: Any = None,
) -> ByokApp:
    """The one way to make the App (the CLI and the tests both use it).

    `state` is the session to resume (default: a fresh one with a new session id). `start_step` picks the first screen
    (default: where the session left off if that step is built, else the first built step). An empty
    `state.signin` is filled on start from the connection (`engine.signin.discover`): today that is the
    sandbox, which is signed in from the start. `clock` stamps the progress log (tests freeze it).
    A live connection without a credential (`byok-tui` with no command) always starts on Sign-in.
    `profile` holds Kore's facts (the client id Step 1 prefills); the sandbox supplies its own.
    `ascii` draws in plain ASCII (glyphs, borders, every line); `theme` names one of Textual's themes
    (an unknown name raises InputError("--theme")). Both belong to the terminal, not the session.
    """
    if state is None:
        from byok_tui.session import new_session_id

        state = WizardState(session_id=new_session_id())
    if start_step is not None and start_step not in steps.IDS:
        raise ValueError(f"start_step: unknown step {start_step!r}; choose one of {', '.join(steps.IDS)}")
    step = first_step(state, conn, start_step)
    from byok_tui.session import Session

    writer = None
    if isinstance(session, Session):  # the TUI saves off the UI thread; headless keeps the plain Session
        from byok_tui.session_writer import SessionWriter

        session = writer = SessionWriter(session)
    from byok_tui import clock as clock_mod

    app = ByokApp(conn, session, state, start_step=step, clock=clock or clock_mod.now, profile=profile,
                  ascii=ascii, theme=theme, session_problem=session_problem)  # fmt: skip
    if writer is not None:
        writer.on_error = _unsaved_notice(app, writer.path)
    return app


def first_step(state: WizardState, conn: Connection, start_step: str | None = None) -> str:
    """The screen to open on: `start_step`, else where the session left off if that step is built, else the
    next built step; always Sign-in for a live connection without a credential."""
    from byok_tui.screens import registry

    built = registry.built_steps()
    step = start_step or state.resume_point()
    if step not in built:
        # The next built step after where the session stands, else the first one there is.
        later = [s for s in steps.IDS[steps.IDS.index(step) :] if s in built]
        step = (later or list(built))[0]
    if conn.credential is None:
        step = "signin"
    return step


def _unsaved_notice(app: ByokApp, path: Path) -> Callable[[BaseException], None]:
    """Show a failed session write (called on the writer's thread: post_message is thread-safe)."""

    def notice(exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        message = (f"Could not save the session to {path}: {reason}. The previous save is intact; the wizard "
                   "keeps the state in memory and starts no change it cannot record.")  # fmt: skip
        show = functools.partial(app.notify, message, title="Session not saved", severity="error", timeout=30)
        app.post_message(events.Callback(callback=show))

    return notice


async def _close_session_writer(session: SessionLike | None) -> None:
    """Write what is still queued before the App goes (a SessionWriter's saves run on its own thread)."""
    from byok_tui.session_writer import SessionWriter

    if not isinstance(session, SessionWriter):
        return
    try:
        await session.durable()
    except Exception as exc:  # already logged and shown when it happened; the exit goes on
        logger.error("the session at %s was not saved: %s", session.path, exc)
    session.close()
