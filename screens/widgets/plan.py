"""Planned changes: what apply would do, one block per `Change`, with the equivalent az command."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from byok_tui import glyphs
from byok_tui.engine.model import Change

from .copyfield import break_at_separators


class ChangeView(Horizontal):
    """One change: numbered title (irreversible ones flagged), why, target resource, az command."""

    DEFAULT_CSS = """
    ChangeView {
        height: auto;
        margin-bottom: 1;
        .change-number { width: 4; text-style: bold; }
        .change-body { height: auto; width: 1fr; }
        .change-title { text-style: bold; }
        .change-flag { color: $text-error; text-style: bold; }
        .change-target, .change-detail, .change-exists { color: $text-muted; }
        .change-az { color: $text-accent; }
    }
    """

    def __init__(self, number: int, change: Change) -> None:
        super().__init__()
        self.number = number
        self.change = change

    def compose(self) -> ComposeResult:
        change = self.change
        yield Static(f"{self.number}.", classes="change-number")
        with Vertical(classes="change-body"):
            yield Static(Content(change.title), classes="change-title")
            if change.effect == "adopt":
                yield Static("exists as asked: Apply writes nothing here", classes="change-exists")
            if change.irreversible:
                yield Static(f"{glyphs.WARNING} irreversible: cannot be undone", classes="change-flag")
            if change.destructive:
                yield Static(
                    f"{glyphs.WARNING} replaces or removes something that exists", classes="change-flag"
                )
            if change.detail:
                yield Static(Content(change.detail), classes="change-detail")
            yield Static(Content(change.target), classes="change-target")  # re-broken after / on resize
            yield Static(Content(f"$ {change.az}"), classes="change-az")

    def on_resize(self) -> None:
        # A resource id breaks after a '/', never inside a name the operator may copy with the mouse.
        target = self.query_one(".change-target", Static)
        width = target.content_size.width or self.content_size.width - 4  # the number column is 4 wide
        if width > 0:
            target.update(Content(break_at_separators(self.change.target, width)))


class PlanView(Vertical):
    """The list of planned changes. `show_az` toggles the az commands (on by default)."""

    DEFAULT_CSS = """
    PlanView {
        height: auto;
        &.-hide-az .change-az { display: none; }
        #plan-empty { color: $text-muted; }
    }
    """

    show_az: reactive[bool] = reactive(True)
    """Show each change's equivalent az CLI command."""

    def watch_show_az(self, show: bool) -> None:
        self.set_class(not show, "-hide-az")

    async def show_changes(self, changes: list[Change]) -> None:
        await self.remove_children()
        if not changes:
            await self.mount(
                Static("Nothing to change: everything already exists as asked.", id="plan-empty")
            )
            return
        await self.mount_all(ChangeView(n, change) for n, change in enumerate(changes, start=1))
