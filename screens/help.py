"""The help screen (`?` or F1): the keys that work right now, read from the live binding maps.

The list is built from `Screen.active_bindings` of the screen underneath (the same map the footer
and the key dispatcher use), never from a hand-written table, so it cannot drift from what the keys do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from .widgets.footer import StableFooter
from .widgets.prereq import step_name

PAGE_NAMES = {"form": "answers", "review": "planned changes", "result": "checks"}
"""What a step screen's pages are called on screen (FlowScreen.page)."""


@dataclass
class KeyRow:
    """One action and every key that runs it."""

    keys: list[str]
    description: str
    tooltip: str
    enabled: bool
    """False: shown dimmed in the footer (e.g. Next before the checks pass)."""


@dataclass
class KeyGroup:
    title: str
    rows: list[KeyRow] = field(default_factory=list)


def words(class_name: str) -> str:
    """A widget's class name for a person, not a programmer: RadioSet -> "Radio set"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", class_name)
    return spaced[:1] + spaced[1:].lower()


def widget_title(node: DOMNode) -> str:
    """What the operator knows the widget as: Textual's name for it ("Select"), never one of ours that
    only adds behaviour behind the scenes ("Lazy select")."""
    named = getattr(node, "BINDING_GROUP_TITLE", None)
    if named:
        return named
    public = next((c for c in type(node).__mro__ if c.__module__.startswith("textual.")), type(node))
    return words(public.__name__)


CLEARER = {
    ("RadioSet", "toggle_button"): "Choose the highlighted option",
    ("RadioSet", "next_button"): "Highlight the next option (Enter or Space chooses it)",
    ("RadioSet", "previous_button"): "Highlight the previous option (Enter or Space chooses it)",
}
"""Textual's own words that leave out what matters here (→ only moves the highlight; Enter chooses)."""


def describe(binding: Binding, node: DOMNode | None = None) -> str:
    for cls in type(node).__mro__ if node is not None else ():
        if (cls.__name__, binding.action) in CLEARER:
            return CLEARER[(cls.__name__, binding.action)]
    text = binding.description or binding.action.split(".")[-1].split("(")[0].replace("_", " ")
    return text[:1].upper() + text[1:]


def key_groups(screen: Screen[object]) -> list[KeyGroup]:
    """The keys that work on `screen` now, grouped: this screen, everywhere, then the focused widget
    and the containers around it (their lists are long: cursor keys and the like).

    Actions the screen hides on its current page (`check_action` False) are left out, as the footer
    does; dimmed ones (None) are kept and marked, since they work once their condition holds.
    """
    app = screen.app
    by_node: dict[DOMNode, dict[str, KeyRow]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system:
            continue
        rows = by_node.setdefault(active.node, {})
        display = app.get_key_display(binding)
        row = rows.get(binding.action)
        if row is None:
            rows[binding.action] = KeyRow(
                [display], describe(binding, active.node), active.tooltip, active.enabled
            )
        elif display not in row.keys:
            row.keys.append(display)

    def group(title: str, node: DOMNode) -> list[KeyGroup]:
        rows = list(by_node.get(node, {}).values())
        return [KeyGroup(title, rows)] if rows else []

    widgets = [node for node in by_node if node is not screen and not isinstance(node, App)]
    groups = group(f"This screen{page_suffix(screen)}", screen) + group("Everywhere", app)
    for index, node in enumerate(widgets):
        prefix = "Focused" if index == 0 and node is screen.focused else "Around it"
        groups += group(f"{prefix}: {widget_title(node)}", node)
    return groups


def page_suffix(screen: Screen[object]) -> str:
    page = PAGE_NAMES.get(str(getattr(screen, "page", "")), "")
    return f" ({page} page)" if page else ""


def step_purpose(step_id: str) -> str:
    """The line the step's screen opens with: its purpose, from the engine's registry."""
    from byok_tui.engine import steps

    return steps.get(step_id).purpose


def step_summary(screen: Screen[object]) -> tuple[str, str]:
    """(title, what it does) for a step screen; the first docstring line for anything else."""
    step_id = getattr(screen, "STEP_ID", "")
    if step_id:
        return step_name(step_id), step_purpose(step_id)
    doc = (type(screen).__doc__ or "").strip().splitlines()
    return screen.app.title, doc[0] if doc and type(screen) is not Screen else ""


class HelpScreen(ModalScreen[None]):
    """The keys of the screen underneath, with what each does.

    | Key | Action |
    | :- | :- |
    | escape, ?, F1, q | Close |
    | up, down, page up/down | Scroll |
    """

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,question_mark,f1,q", "close", "Close", key_display="esc"),
    ]
    AUTO_FOCUS = "#help-keys"

    def __init__(self, target: Screen[object]) -> None:
        super().__init__()
        self.target = target
        """The screen whose keys are shown (the one `?` was pressed on)."""

    def compose(self) -> ComposeResult:
        title, purpose = step_summary(self.target)
        with Vertical(id="help-box"):
            yield Static(Content.from_markup("Keys · [b]$title[/b]", title=title), id="help-title")
            if purpose:
                yield Static(Content(purpose), id="help-purpose")
            with VerticalScroll(id="help-keys"):
                for group in key_groups(self.target):
                    yield Static(Content(group.title), classes="help-group")
                    for row in group.rows:
                        yield key_line(row)
            yield Static("esc, ?, F1 or q closes · ↑ ↓ PgUp PgDn scroll", id="help-close")
        yield StableFooter()  # the help's own keys, not those of the page underneath

    def action_close(self) -> None:
        self.dismiss()


def key_line(row: KeyRow) -> Horizontal:
    what = Content.from_markup("[b]$description[/b]", description=row.description)
    if row.tooltip and row.tooltip != row.description:
        what += Content(f": {row.tooltip}")
    if not row.enabled:
        what += Content.styled(" (not yet)", "italic")
    return Horizontal(
        Static(Content(" ".join(row.keys)), classes="help-key"),
        Static(what, classes="help-what"),
        classes="help-row -dimmed" if not row.enabled else "help-row",
    )
