"""The top line: product name, which world we are connected to, and the tenant / subscription."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from byok_tui.state import WizardState

from ..wizard import wizard_app
from .literal import literal


class AppHeader(Horizontal):
    """`byok-tui │ Sandbox │ tenant … │ subscription …`. The label comes from the Connection
    ("Sandbox" or "Azure"); the ids come from `app.state.signin` and redraw when it changes."""

    app = wizard_app

    DEFAULT_CSS = """
    AppHeader {
        height: 1;
        background: $primary-background;
        color: $foreground;
        #product { text-style: bold; padding: 0 1; }
        #world { padding: 0 1; text-style: bold; background: $accent; color: $text; }
        #world.-sandbox { background: $warning; color: $background; }
        .where { padding: 0 1; color: $text-muted; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        #where-short { display: none; }
    }
    """

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self._where: tuple[str, str] = ("", "")
        """(long, short) as shown now."""

    def compose(self) -> ComposeResult:
        yield Label("byok-tui", id="product")
        yield Label(self.label, id="world", classes="-sandbox" if self.label.lower() == "sandbox" else "")
        yield Label("", id="where-long", classes="where")
        yield Label("", id="where-short", classes="where")

    def on_mount(self) -> None:
        self.watch(self.app, "state", self._render_state)
        self.watch(self.app, "subscription_name", lambda _: self._render_state(self.app.state))

    def _render_state(self, state: WizardState) -> None:
        signin = state.signin
        long, short = [], []
        if signin.tenant_id:
            long.append(f"tenant {signin.tenant_id}")
            short.append(f"tenant {signin.tenant_id[:8]}…")
        name = self.app.subscription_name
        if signin.subscription_id and name:
            long.append(f"subscription {name}")
            short.append(f"sub {name}")
        elif signin.subscription_id:
            long.append(f"subscription {signin.subscription_id}")
            short.append(f"sub {signin.subscription_id[:8]}…")
        where = ("  ".join(long) or "not signed in", "  ".join(short) or "not signed in")
        if where == self._where:  # most saved changes change neither, and an update is a layout
            return
        self._where = where
        # The subscription's display name is someone else's text: show it verbatim (literal()).
        self.query_one("#where-long", Label).update(literal(where[0]))
        self.query_one("#where-short", Label).update(literal(where[1]))
