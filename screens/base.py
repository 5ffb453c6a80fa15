"""What every step screen shares: the header, the stepper, the footer and Next / Back."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen

from byok_tui.engine import steps

from .widgets.footer import StableFooter
from .widgets.header import AppHeader
from .widgets.stepper import Stepper, StepStrip
from .wizard import wizard_app


class StepScreen(Screen[None]):
    """A step of the wizard. Subclasses set `STEP_ID` and write `compose_body`.

    | Key | Action |
    | :- | :- |
    | n, ctrl+right | Next step (dimmed until this step's checks pass) |
    | b, ctrl+left | Back |
    """

    STEP_ID: ClassVar[str] = ""
    BINDINGS = [
        Binding("n,ctrl+right", "next", "Next", id="next", tooltip="Go to the next step once checks pass"),
        Binding("b,ctrl+left", "back", "Back", id="back", tooltip="Go back"),
        # Runs only when Next is dimmed (Textual then tries the key's next binding): says why, instead of
        # a key press that does nothing and says nothing.
        Binding("n,ctrl+right", "why_not_next", show=False, system=True),
    ]

    app = wizard_app
    _resumed = False
    """Shown once already (see `on_screen_resume`)."""

    def compose(self) -> ComposeResult:
        yield AppHeader(self.app.conn.label)
        yield StepStrip(self.STEP_ID, self.app.built_steps)
        # The body's widgets sit beside the stepper, in the shell itself: a screen paints every container's
        # every line, and a wrapper that only stacked them cost a full-height paint each time a step opened.
        with Horizontal(id="shell"):
            yield Stepper(self.STEP_ID, self.app.built_steps)
            yield from self.compose_body()
        yield StableFooter()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Shown for the first time: every widget was styled as it mounted, a moment ago. Textual would style
        # the whole screen again before drawing it: 5 ms of the demo's first frame, and 30-80 ms each time a
        # step opens (issue #7). Later resumes (back from a modal, a theme change meanwhile) restyle as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def compose_body(self) -> ComposeResult:
        """The step's own content: one widget that fills the space beside the stepper (width 1fr), or
        several of which one shows at a time (a step's pages)."""
        yield from ()

    def action_next(self) -> None:
        """Go to the following step (the App says so if it is not built yet)."""
        following = steps.after(self.STEP_ID)
        if following is not None:
            self.app.action_goto_step(following)

    def action_why_not_next(self) -> None:
        self.notify(self.why_not_next(), title="Next: not yet", severity="warning")

    def why_not_next(self) -> str:
        """Why Next is dimmed on this screen now, and what opens it."""
        return "This step's checks must pass first."

    def action_back(self) -> None:
        """Go to the previous step (the App says so if it is not built yet)."""
        previous = steps.before(self.STEP_ID)
        if previous is not None:
            self.app.action_goto_step(previous)
