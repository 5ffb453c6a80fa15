"""Where the operator is in the wizard: every step of the seed, with what is built and what passed.

`Stepper` is the left column (an OptionList; selecting a step asks the App to go there).
`StepStrip` is the one-line version shown instead when the terminal is narrow.
Both watch `app.state` and redraw themselves from its `StepRecord`s.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from byok_tui import glyphs
from byok_tui.engine import steps
from byok_tui.state import StepRecord, WizardState

STEP_LABELS: dict[str, str] = {entry.id: entry.numbered_label for entry in steps.REGISTRY}
"""What the stepper calls each step (the registry's short names, with the seed's numbering for Steps 1-5)."""


def glyph(record: StepRecord) -> str:
    """✓ passed, ! warned, ✗ failed, ● applied but not checked, ○ not started."""
    if record.checked in ("pass", "warn", "fail"):
        return glyphs.status(record.checked)
    return glyphs.APPLIED if record.applied else glyphs.NOT_STARTED


class Stepper(OptionList):
    """The list of steps. Steps not built yet are dimmed; selecting one posts `Selected` all the same,
    and the App tells the operator that step is coming (it is never faked)."""

    DEFAULT_CSS = """
    Stepper {
        width: 28;
        height: 1fr;
        border: none;
        border-right: vkey $foreground 20%;
        padding: 0;
        background: $surface;
        &:focus { border: none; border-right: vkey $accent; }
    }
    """

    @dataclass
    class Selected(Message):
        """The operator chose a step in the stepper."""

        step_id: str

    def __init__(self, current: str, built: tuple[str, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current
        """Step id of the screen this stepper sits on."""
        self.built = built
        """Step ids that have a screen."""
        self._shown: tuple[str, ...] = ()
        """The lines the list shows now (their style follows from `current` and `built`, fixed per screen)."""

    def on_mount(self) -> None:
        if self.display:
            self.watch(self.app, "state", self._render_state)
        else:  # a narrow terminal shows the strip instead: fill this list after the first frame (issue #7)
            self.call_after_refresh(self.watch, self.app, "state", self._render_state)

    def _render_state(self, state: WizardState) -> None:
        # The state is replaced after every saved change (progress, answers, check results), and most change
        # no glyph. Rebuilding the list re-measures and redraws all its lines and lays the screen out again
        # (5-10 ms each time at 120x40), so only a changed glyph rebuilds it.
        prompts = [self._prompt(step_id, state) for step_id in steps.IDS]
        shown = tuple(prompt.plain for prompt in prompts)
        if shown == self._shown:
            return
        self._shown = shown
        highlighted = self.highlighted
        self.set_options(
            Option(prompt, id=step_id) for prompt, step_id in zip(prompts, steps.IDS, strict=True)
        )
        self.highlighted = highlighted if highlighted is not None else steps.IDS.index(self.current)

    def _prompt(self, step_id: str, state: WizardState) -> Content:
        label = f"{glyph(state.step(step_id))} {STEP_LABELS[step_id]}"
        if step_id not in self.built:
            return Content.from_markup("[dim]$label\n  [i]not built yet[/i][/dim]", label=label)
        if step_id == self.current:
            return Content.from_markup("[b $accent]$label $mark[/]", label=label, mark=glyphs.CURRENT)
        return Content(label)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Selected(event.option.id))


class StepStrip(Static):
    """One line for narrow terminals: a glyph per step, then the current step's name and position."""

    DEFAULT_CSS = """
    StepStrip {
        height: 1;
        padding: 0 1;
        background: $surface;
        color: $text-muted;
    }
    """

    def __init__(self, current: str, built: tuple[str, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.current = current
        self.built = built
        self._shown = ""
        """The line as shown now: updated only when a glyph changes (an update lays the screen out again)."""

    def on_mount(self) -> None:
        self.watch(self.app, "state", self._render_state)

    def _render_state(self, state: WizardState) -> None:
        glyphs = Content(" ").join(
            Content.styled(glyph(state.step(s)), "bold $accent" if s == self.current else "")
            for s in steps.IDS
        )
        # Where the operator is, in their words: "step 3 of 11" (what is built is a developer's concern).
        here = Content.from_markup(
            "  [b $foreground]$label[/]  [dim](step $position of $total)[/]",
            label=STEP_LABELS[self.current],
            position=steps.IDS.index(self.current) + 1,
            total=len(steps.IDS),
        )
        line = glyphs + here
        if line.plain != self._shown:  # the styles follow from `current`, fixed per screen
            self._shown = line.plain
            self.update(line)
