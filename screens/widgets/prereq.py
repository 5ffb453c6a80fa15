"""Earlier steps a step needs: which ones are not done, why it matters, and a button to go there."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from byok_tui import glyphs

from ..wizard import wizard_app
from .stepper import STEP_LABELS


def step_name(step_id: str) -> str:
    """ "Step 1 · Authorize Kore app" for the numbered steps, the plain label otherwise."""
    label = STEP_LABELS[step_id]
    number, _, rest = label.partition(" ")
    return f"Step {number} {glyphs.SEP} {rest}" if number.isdigit() else label


class MissingSteps(Vertical):
    """Hidden when nothing is missing. `show([(step_id, why), …])` lists them with a "Go to" button each;
    a button asks the App to switch (`action_goto_step`), which says so if that screen is not built."""

    app = wizard_app

    DEFAULT_CSS = """
    MissingSteps {
        display: none;
        height: auto;
        border-left: outer $warning;
        padding-left: 1;
        margin: 1 0 0 0;
        &.-shown { display: block; }
        .missing-line { color: $text-warning; }
        Horizontal { height: auto; margin-top: 1; }
        Button { margin-right: 2; }
    }
    """

    def __init__(self, missing: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.missing: list[tuple[str, str]] = list(missing or [])
        """(step id, why it matters here) for each earlier step that is not done."""

    def compose(self) -> ComposeResult:
        for step, why in self.missing:
            yield Static(Content(f"! {step_name(step)} is not done: {why}"), classes="missing-line")
        if self.missing:
            yield Horizontal(*(Button(f"Go to {step_name(step).split(f' {glyphs.SEP} ')[0]}", id=f"goto-{step}", compact=True)
                               for step, _ in self.missing))  # fmt: skip

    def on_mount(self) -> None:
        self.set_class(bool(self.missing), "-shown")

    async def show(self, missing: list[tuple[str, str]]) -> None:
        """Replace the list (an empty one hides the note)."""
        if missing == self.missing:
            return
        self.missing = list(missing)
        self.set_class(bool(missing), "-shown")
        await self.recompose()

    @on(Button.Pressed)
    def _go(self, event: Button.Pressed) -> None:
        event.stop()
        step = (event.button.id or "").removeprefix("goto-")
        if step:
            self.app.action_goto_step(step)
