"""Planned changes: what apply would do, one block per `Change`, with the equivalent az command."""

from __future__ import annotations

from rich.segment import Segment
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Static

from byok_tui import glyphs
from byok_tui.engine.model import Change

from .copyfield import break_at_separators
from .parts import PartsView


class ChangeView(PartsView):
    """One change: numbered title (irreversible ones flagged), why, target resource, az command.

    One widget (#17): the number in a column of its own (`change-number`, 4 wide), the body to its
    right, each part in its component class. `part()` and `texts` read what it shows.
    """

    COMPONENT_CLASSES = {
        "change-number", "change-title", "change-exists", "change-flag", "change-detail",
        "change-target", "change-az",
    }  # fmt: skip

    DEFAULT_CSS = """
    ChangeView {
        height: auto;
        margin-bottom: 1;
        .change-number { width: 4; text-style: bold; }
        .change-title { text-style: bold; }
        .change-flag { color: $text-error; text-style: bold; }
        .change-target, .change-detail, .change-exists { color: $text-muted; }
        .change-az { color: $text-accent; }
    }
    """

    def __init__(self, number: int, change: Change, show_az: bool = True) -> None:
        super().__init__()
        self.number = number
        self.change = change
        self._show_az = show_az
        self._body_width = 0

    @property
    def show_az(self) -> bool:
        """Draw the az command (PlanView sets it for every change)."""
        return self._show_az

    @show_az.setter
    def show_az(self, show: bool) -> None:
        if show != self._show_az:
            self._show_az = show
            self.invalidate()

    def parts(self) -> list[tuple[str, Content]]:
        """(component class, text) of each part of the body, top to bottom, as drawn now."""
        change = self.change
        parts = [("change-title", Content(change.title))]
        if change.effect == "adopt":
            parts.append(("change-exists", Content("exists as asked: Apply writes nothing here")))
        if change.irreversible:
            parts.append(("change-flag", Content(f"{glyphs.WARNING} irreversible: cannot be undone")))
        if change.destructive:
            parts.append(
                ("change-flag", Content(f"{glyphs.WARNING} replaces or removes something that exists"))
            )
        if change.detail:
            parts.append(("change-detail", Content(change.detail)))
        # A resource id breaks after a '/', never inside a name the operator may copy with the mouse.
        target = change.target
        if self._body_width > 0:
            target = break_at_separators(target, self._target_width(self._body_width))
        parts.append(("change-target", Content(target)))
        if self._show_az:
            parts.append(("change-az", Content(f"$ {change.az}")))
        return parts

    @property
    def texts(self) -> list[str]:
        """The number, then every part's text, top to bottom."""
        return [f"{self.number}.", *(str(text) for _, text in self.parts())]

    @property
    def target_width(self) -> int:
        """The width the target resource id is broken to (0 before the first layout)."""
        return self._target_width(self._body_width) if self._body_width > 0 else 0

    def _target_width(self, body_width: int) -> int:
        padding = self.get_component_styles("change-target").padding
        return body_width - padding.left - padding.right

    def draw(self, width: int) -> list[Strip]:
        column = self.get_component_styles("change-number").width  # 4 cells in the CSS
        number_width = min(width, (column.cells if column is not None else None) or 4)
        self._body_width = body_width = width - number_width
        body: list[Strip] = []
        for component, text in self.parts():
            if self.shown(component):
                body += self.part_lines(component, text, body_width)
        # Below the number, the column is blank as the row's container drew it.
        blank = Strip([Segment(" " * number_width, self.blank_style())], number_width)
        number = self.part_lines("change-number", Content(f"{self.number}."), number_width)[:1] or [blank]
        number += [blank] * (len(body) - 1)
        if len(body) < len(number):
            body.append(Strip([Segment(" " * body_width, self.blank_style())], body_width))
        return [Strip.join(pair) for pair in zip(number, body, strict=True)]


class PlanView(Vertical):
    """The list of planned changes. `show_az` toggles the az commands (on by default)."""

    DEFAULT_CSS = """
    PlanView {
        height: auto;
        #plan-empty { color: $text-muted; }
    }
    """

    show_az: reactive[bool] = reactive(True)
    """Show each change's equivalent az CLI command."""

    def watch_show_az(self, show: bool) -> None:
        self.set_class(not show, "-hide-az")
        for view in self.query(ChangeView):
            view.show_az = show

    async def show_changes(self, changes: list[Change]) -> None:
        await self.remove_children()
        if not changes:
            await self.mount(
                Static("Nothing to change: everything already exists as asked.", id="plan-empty")
            )
            return
        await self.mount_all(ChangeView(n, change, self.show_az) for n, change in enumerate(changes, start=1))
