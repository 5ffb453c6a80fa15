"""The page the wizard opens on when its session file cannot be used (damaged, not a session, from a newer
byok-tui, unreadable): which file, what is wrong, and the way on.

For a damaged or foreign file it offers to recover (the file is kept under a new name, never overwritten;
the last good save and what the journal proves are restored, so a resume adopts what was made) or to start
a new session; for a newer or unreadable file it only explains and quits (exit 2), touching nothing.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from byok_tui import glyphs
from byok_tui.errors import ByokError
from byok_tui.session_recovery import SessionProblem

from .wizard import wizard_app


class SessionProblemScreen(Screen[None]):
    """The session file cannot be used: say so, and offer the ways on.

    | Key | Action |
    | :- | :- |
    | r | Recover: restore the last good save and what the journal proves |
    | n | Start a new session (the file is kept under a new name) |
    | q, escape | Quit, changing nothing (exit 2) |
    """

    app = wizard_app

    DEFAULT_CSS = """
    SessionProblemScreen {
        align: center middle;
        & > Vertical {
            width: 76; max-width: 100%; height: auto; max-height: 100%;
            border: thick $error; background: $panel; padding: 0 1;
        }
        #problem-title { text-style: bold; color: $text-error; margin-bottom: 1; }
        .problem-line { margin-bottom: 1; }
        Horizontal { height: auto; align-horizontal: right; }
        Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("r", "recover", "Recover", show=False),
        Binding("n", "start_new", "New session", show=False),
        Binding("q,escape", "quit_unchanged", "Quit"),
    ]

    def __init__(self, problem: SessionProblem) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        p = self.problem
        with Vertical():
            yield Static(f"{glyphs.FAIL} This session file cannot be used", id="problem-title", markup=False)
            yield Static(p.title(), id="problem-what", classes="problem-line", markup=False)
            yield Static(p.cause(), classes="problem-line", markup=False)
            if p.recoverable:
                yield Static(f"Recover keeps it as {p.path.name}.damaged-<time> and restores from {p.sources()}.",
                             id="problem-recover", classes="problem-line", markup=False)  # fmt: skip
                for change in p.interrupted:
                    yield Static(f"Interrupted: {change} (the next apply adopts what it made).",
                                 classes="problem-line", markup=False)  # fmt: skip
            else:
                yield Static(p.remedy(), id="problem-remedy", classes="problem-line", markup=False)
            with Horizontal():
                if p.recoverable:
                    yield Button("Recover (r)", id="recover", variant="primary", compact=True)
                    yield Button("New session (n)", id="start-new", compact=True)
                yield Button("Quit (q)", id="quit", compact=True)

    def on_mount(self) -> None:
        self.query_one("#recover" if self.problem.recoverable else "#quit", Button).focus()

    @on(Button.Pressed, "#recover")
    def action_recover(self) -> None:
        if self.problem.recoverable:
            self._resume(use_backup=True)

    @on(Button.Pressed, "#start-new")
    def action_start_new(self) -> None:
        if self.problem.recoverable:
            self._resume(use_backup=False, new=True)

    @on(Button.Pressed, "#quit")
    def action_quit_unchanged(self) -> None:
        self.app.exit(return_code=2)

    def _resume(self, *, use_backup: bool, new: bool = False) -> None:
        from byok_tui import session_recovery
        from byok_tui.session import Session, new_session_id
        from byok_tui.session_writer import SessionWriter
        from byok_tui.state import WizardState

        held = self.app.session
        session = held.session if isinstance(held, SessionWriter) else held  # the SessionWriter's own Session
        if not isinstance(session, Session):
            return
        try:
            if new:
                kept = session.keep_aside()
                state = WizardState(session_id=new_session_id())
                session.save(state)
                notes = [f"Kept the unusable file as {kept}.", "Started a new session."]
            else:
                state, notes = session_recovery.recover(session, use_backup=use_backup)
        except (OSError, ByokError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(
                f"Nothing was changed: {reason}", title="Could not recover", severity="error", timeout=30
            )
            return
        self.app.resume_with(state)
        self.app.notify("\n".join(notes), title="Session recovered" if not new else "New session", timeout=15)
