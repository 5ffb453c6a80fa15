"""The apps-and-bots grid: one row per app or bot, a checkbox each, thousands of rows without a stall.

A Line API widget (`ScrollView`): only the rows on screen are drawn, so showing a filtered list is a
list swap and a repaint, never a rebuild of widgets (Textual's DataTable re-measures every cell when rows
are added: about 1.7 s for 5,000). The selection is kept here as the set of ids that stay on Kore's
default key; the screen writes it to the state on Review.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from byok_tui.state import AppRef

from .literal import visible

ON, OFF = "[x]", "[ ]"
"""The checkbox column: plain ASCII, so it reads the same in any terminal font, over SSH and in tmux."""


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis, padded with spaces to exactly `width`."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.ljust(width)


class Columns:
    """Column widths for a given line width: the name gets room first, the id what is left (or none)."""

    def __init__(self, apps: Sequence[AppRef], width: int) -> None:
        longest = {
            "name": max((len(a.name) for a in apps), default=0),
            "purpose": max((len(a.purpose) for a in apps), default=0),
            "status": max((len(a.status) for a in apps), default=0),
            "id": max((len(a.id) for a in apps), default=0),
        }
        self.purpose = min(max(longest["purpose"], len("Purpose")), 12)
        self.status = min(max(longest["status"], len("Status")), 11)
        fixed = 1 + len(ON) + 1 + self.purpose + 1 + self.status + 1
        room = max(width - fixed, 0)
        name_full = max(longest["name"], len("Name"))
        id_full = max(longest["id"], len("Id"))
        if room >= name_full + 1 + id_full:
            self.id = id_full
            self.name = room - 1 - id_full
        else:
            self.id = max(min(room - 1 - name_full, id_full), 10)
            self.name = room - 1 - self.id
            if self.name < 12:  # too narrow for both: the id goes, the name stays readable
                self.id, self.name = 0, room

    def line(self, mark: str, name: str, purpose: str, status: str, ident: str) -> str:
        parts = [" " + mark, fit(name, self.name), fit(purpose, self.purpose), fit(status, self.status)]
        if self.id:
            parts.append(fit(ident, self.id))
        return " ".join(parts)


class AppGrid(ScrollView, can_focus=True):
    """Every app and bot with a checkbox. All are selected (encrypted with the customer's key) until
    the operator deselects them; `show` narrows the rows on screen to a filter's result.

    | Key | Action |
    | :- | :- |
    | space, enter | Select or deselect the row under the cursor (a click does the same) |
    | a | Select every row shown |
    | x, A | Deselect every row shown (they stay on Kore's default key) |
    | up, down, pageup, pagedown, home, end | Move the cursor |

    | Component class | What |
    | :- | :- |
    | `app-grid--header` | The column titles (the first line, never scrolled away) |
    | `app-grid--cursor` | The row under the cursor |
    | `app-grid--off` | A row that stays on Kore's default key |
    | `app-grid--empty` | The line shown when the filter matches nothing |
    """

    COMPONENT_CLASSES = {"app-grid--header", "app-grid--cursor", "app-grid--off", "app-grid--empty"}
    DEFAULT_CSS = """
    AppGrid {
        height: 1fr;
        min-height: 4;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        & > .app-grid--header { text-style: bold; color: $text-accent; background: $panel; }
        & > .app-grid--cursor { background: $block-cursor-blurred-background; text-style: bold; }
        &:focus > .app-grid--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .app-grid--off { color: $text-muted; }
        & > .app-grid--empty { color: $text-muted; text-style: italic; }
    }
    """
    BINDINGS = [
        Binding("space,enter", "toggle", "Toggle", id="grid-toggle", key_display="space",
                tooltip="Select or deselect this app or bot"),
        Binding("a", "select_all", "All", id="grid-all", tooltip="Select every app and bot shown"),
        Binding("x,A", "select_none", "None", id="grid-none", key_display="x",
                tooltip="Deselect every app and bot shown: they stay on Kore's default key"),
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "cursor(-1000000000)", show=False),
        Binding("end", "cursor(1000000000)", show=False),
    ]  # fmt: skip

    class Changed(Message):
        """The selection changed (a toggle, select all or select none)."""

        def __init__(self, grid: AppGrid) -> None:
            super().__init__()
            self.grid = grid

        @property
        def control(self) -> AppGrid:
            return self.grid

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.apps: tuple[AppRef, ...] = ()
        """Every app and bot loaded, in the source's order."""
        self.shown: list[AppRef] = []
        """The rows on screen (the filter's result), in the same order."""
        self.off: set[str] = set()
        """Ids that stay on Kore's default key."""
        self.cursor = 0
        """Index into `shown` of the row under the cursor."""
        self._columns: Columns | None = None
        self._columns_width = -1
        self._styles: dict[str, Style] = {}

    # --- data ------------------------------------------------------------------------------

    def load(self, apps: Sequence[AppRef], deselected: Iterable[str] = ()) -> None:
        """Show a freshly loaded list; every app is selected except `deselected`."""
        self.apps = tuple(apps)
        ids = {a.id for a in self.apps}
        self.off = {i for i in deselected if i in ids}
        self._columns = None
        self.show(list(self.apps))

    def show(self, rows: list[AppRef]) -> None:
        """Show only `rows` (a subset of `apps`, e.g. a filter's result); the cursor stays on its app
        when that app is still shown."""
        current = self.current
        self.shown = rows
        self.cursor = next((i for i, a in enumerate(rows) if a is current), 0) if current is not None else 0
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self._scroll_to_cursor(center=True)
        self.refresh()

    @property
    def current(self) -> AppRef | None:
        """The app under the cursor, if any row is shown."""
        return self.shown[self.cursor] if 0 <= self.cursor < len(self.shown) else None

    @property
    def deselected(self) -> tuple[str, ...]:
        """Ids that stay on Kore's default key, in list order."""
        return tuple(a.id for a in self.apps if a.id in self.off)

    @property
    def selected_count(self) -> int:
        return len(self.apps) - len(self.off)

    def is_selected(self, app_id: str) -> bool:
        return app_id not in self.off

    # --- actions ---------------------------------------------------------------------------

    def action_toggle(self) -> None:
        app = self.current
        if app is None:
            return
        self.off.symmetric_difference_update({app.id})
        self.refresh()
        self.post_message(self.Changed(self))

    def action_select_all(self) -> None:
        self._set_shown(selected=True)

    def action_select_none(self) -> None:
        self._set_shown(selected=False)

    def _set_shown(self, *, selected: bool) -> None:
        ids = {a.id for a in self.shown}
        if selected:
            self.off -= ids
        else:
            self.off |= ids
        self.refresh()
        self.post_message(self.Changed(self))

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(self.size.height - 2, 1))

    def _move(self, row: int) -> None:
        if not self.shown:
            return
        self.cursor = max(0, min(row, len(self.shown) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self, center: bool = False) -> None:
        rows = max(self.size.height - 1, 1)  # the first line is the header
        top = int(self.scroll_offset.y)
        if center and not top <= self.cursor < top + rows:
            self.scroll_to(y=max(self.cursor - rows // 2, 0), animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    async def on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if isinstance(row, int) and 0 <= row < len(self.shown):
            self.cursor = row
            self.action_toggle()

    def on_resize(self, event: events.Resize) -> None:
        self._columns = None
        self.virtual_size = Size(event.size.width, len(self.shown) + 1)
        self._scroll_to_cursor()

    # --- rendering -------------------------------------------------------------------------

    def columns(self, width: int) -> Columns:
        if self._columns is None or self._columns_width != width:
            self._columns = Columns(self.apps, width)
            self._columns_width = width
        return self._columns

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles are looked up once per repaint, not once per line: a lookup walks the DOM (~0.2 ms).
        base = self.rich_style
        self._styles = {
            "base": base,
            "header": self.get_component_rich_style("app-grid--header"),
            "empty": self.get_component_rich_style("app-grid--empty"),
            "off": base + self.get_component_rich_style("app-grid--off"),
            "cursor": base + self.get_component_rich_style("app-grid--cursor"),
            "off-cursor": base
            + self.get_component_rich_style("app-grid--off")
            + self.get_component_rich_style("app-grid--cursor"),
        }
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        columns = self.columns(width)
        styles = self._styles
        if y == 0:
            style = styles["header"]
            text = columns.line("   ", "Name", "Purpose", "Status", "Id")
            return Strip([Segment(text, style)]).adjust_cell_length(width, style)
        row = int(self.scroll_offset.y) + y - 1
        if not 0 <= row < len(self.shown):
            if row == 0 and not self.shown:
                style = styles["empty"]
                message = " No app or bot matches the filter." if self.apps else " Nothing loaded yet."
                return Strip([Segment(message, style)]).adjust_cell_length(width, style)
            return Strip.blank(width, styles["base"])
        app = self.shown[row]
        on = app.id not in self.off
        kind = ("" if on else "off") + ("-cursor" if row == self.cursor else "")
        style = styles[kind.lstrip("-") or "base"] + Style.from_meta({"row": row})
        # Names come from Kore: control characters must not reach the terminal (literal.visible).
        text = columns.line(ON if on else OFF, visible(app.name), visible(app.purpose), visible(app.status),
                            visible(app.id))  # fmt: skip
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)


__all__ = ["OFF", "ON", "AppGrid", "Columns", "fit"]
