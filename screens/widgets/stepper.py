"""Where the operator is in the wizard: every step of the seed, with what is built and what passed.

`Stepper` is the left column (a list; selecting a step asks the App to go there).
`StepStrip` is the one-line version shown instead when the terminal is narrow.
Both watch `app.state` and redraw themselves from its `StepRecord`s.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual
from textual.widgets import Static

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


class Stepper(ScrollView, can_focus=True):
    """The list of steps, one line each (two for a step not built yet). Steps not built yet are dimmed;
    selecting one posts `Selected` all the same, and the App tells the operator that step is coming (it is
    never faked).

    Every step screen has its own Stepper, and Textual's OptionList measured, rendered and painted all its
    lines anew for each: about a fifth of a step screen's first layout and paint (issue #17). This is a Line
    API widget that draws the same cells (the styles are OptionList's) from lines rendered once per process:
    the next screen's stepper differs only by the step marked current.

    | Key | Action |
    | :- | :- |
    | up, down | Move the highlight (it wraps around) |
    | home, end, pageup, pagedown | Move the highlight to the first, last, a page up or down |
    | enter | Go to the highlighted step (a click does the same) |

    | Component class | What |
    | :- | :- |
    | `stepper--option` | Every line |
    | `stepper--highlighted` | The highlighted step |
    | `stepper--hover` | The step under the mouse |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"stepper--option", "stepper--highlighted", "stepper--hover"}
    DEFAULT_CSS = """
    Stepper {
        width: 28;
        height: 1fr;
        color: $foreground;
        overflow-x: hidden;
        border: none;
        border-right: vkey $foreground 20%;
        padding: 0;
        background: $surface;
        & > .stepper--highlighted {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            border: none;
            border-right: vkey $accent;
            background-tint: $foreground 5%;
            & > .stepper--highlighted {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .stepper--hover { background: $block-hover-background; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("pagedown", "page(1)", "Page Down", show=False),
        Binding("pageup", "page(-1)", "Page Up", show=False),
        Binding("up", "cursor(-1)", "Up", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None)
    """Index (into `step_ids`) of the highlighted step."""
    hovered: reactive[int | None] = reactive(None)
    """Index of the step under the mouse."""

    _rendered: ClassVar[LRUCache[Hashable, list[Strip]]] = LRUCache(256)
    """A step's lines by (its text, index, style, width, theme), and the blank line under the steps, shared by
    every screen's stepper."""

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
        self.step_ids: tuple[str, ...] = ()
        """The steps listed, in order (empty until the state is first shown)."""
        self.prompts: tuple[Content, ...] = ()
        """What each step's line says, in the same order."""
        self._lines: list[tuple[int, int]] = []
        """(step index, line within it) for each line of the list, for the width in `_lines_width`."""
        self._lines_width = -1

    def on_mount(self) -> None:
        if self.display:
            self.watch(self.app, "state", self._render_state)
        else:  # a narrow terminal shows the strip instead: fill this list after the first frame (issue #7)
            self.call_after_refresh(self.watch, self.app, "state", self._render_state)

    def _render_state(self, state: WizardState) -> None:
        # The state is replaced after every saved change (progress, answers, check results), and most change
        # no glyph: only a changed line redraws the list.
        prompts = tuple(self._prompt(step_id, state) for step_id in steps.IDS)
        if [p.plain for p in prompts] == [p.plain for p in self.prompts]:
            return
        self.step_ids, self.prompts = steps.IDS, prompts
        self._lines_width = -1
        if self.highlighted is None:
            self.highlighted = steps.IDS.index(self.current)
        self._update_virtual_size()
        self.refresh()

    def _prompt(self, step_id: str, state: WizardState) -> Content:
        label = f"{glyph(state.step(step_id))} {STEP_LABELS[step_id]}"
        if step_id not in self.built:
            return Content.from_markup("[dim]$label\n  [i]not built yet[/i][/dim]", label=label)
        if step_id == self.current:
            return Content.from_markup("[b $accent]$label $mark[/]", label=label, mark=glyphs.CURRENT)
        return Content(label)

    # --- drawing ---------------------------------------------------------------------------

    def _style(self, index: int | None) -> VisualStyle:
        if index is not None and index == self.highlighted:
            return self.get_visual_style("stepper--option", "stepper--highlighted")
        if index is not None and index == self.hovered:
            return self.get_visual_style("stepper--option", "stepper--hover")
        return self.get_visual_style("stepper--option")

    def _strips(self, index: int, style: VisualStyle, width: int) -> list[Strip]:
        prompt = self.prompts[index]
        key = (prompt.markup, index, style, width, self.app.theme, self.app.ansi_color)
        strips = self._rendered.get(key)
        if strips is None:
            rendered = Visual.to_strips(self, prompt, width, None, style)
            meta = {"option": index}
            strips = [
                strip.extend_cell_length(width, style.rich_style).apply_meta(meta) for strip in rendered
            ]
            self._rendered[key] = strips
        return strips

    def _line_map(self, width: int) -> list[tuple[int, int]]:
        if self._lines_width != width:
            base = self._style(None)
            self._lines = [
                (index, offset)
                for index in range(len(self.prompts))
                for offset in range(len(self._strips(index, base, width)))
            ]
            self._lines_width = width
        return self._lines

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0:
            self.virtual_size = Size(width, len(self._line_map(width)))

    def on_resize(self) -> None:
        self._update_virtual_size()
        # A short terminal: the current step stays in view (once the new size has its scrollbar).
        self.call_after_refresh(self._scroll_to_highlight)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        lines = self._line_map(width)
        number = int(self.scroll_offset.y) + y
        if not 0 <= number < len(lines):
            style = self._style(None)
            key = ("blank", style, width)
            if (blank := self._rendered.get(key)) is None:
                blank = self._rendered[key] = [Strip.blank(width, style.rich_style)]
            return blank[0]
        index, offset = lines[number]
        return self._strips(index, self._style(index), width)[offset]

    def watch_highlighted(self) -> None:
        self._scroll_to_highlight()
        self.refresh()

    def _scroll_to_highlight(self) -> None:
        width = self.scrollable_content_region.width
        if self.highlighted is None or not self.prompts or width <= 0:
            return
        rows = [y for y, (index, _) in enumerate(self._line_map(width)) if index == self.highlighted]
        if rows:
            self.scroll_to_region(Region(0, rows[0], 1, len(rows)), animate=False, immediate=True)

    def watch_hovered(self) -> None:
        self.refresh()

    # --- keys and mouse ----------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        if self.step_ids:
            start = self.highlighted if self.highlighted is not None else (-1 if delta > 0 else 0)
            self.highlighted = (start + delta) % len(self.step_ids)

    def action_edge(self, direction: int) -> None:
        if self.step_ids:
            self.highlighted = len(self.step_ids) - 1 if direction > 0 else 0

    def action_page(self, direction: int) -> None:
        if self.step_ids:
            start = self.highlighted if self.highlighted is not None else 0
            page = max(self.scrollable_content_region.height, 1)
            self.highlighted = max(0, min(start + direction * page, len(self.step_ids) - 1))

    def action_select(self) -> None:
        if self.highlighted is not None and self.step_ids:
            self.post_message(self.Selected(self.step_ids[self.highlighted]))

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("option")
        if isinstance(index, int):
            self.highlighted = index
            self.action_select()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = event.style.meta.get("option")
        self.hovered = index if isinstance(index, int) else None

    def on_leave(self) -> None:
        self.hovered = None


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
