"""Admin console > apps and bots: load the list, choose which stay on Kore's default key, record it.

Two panes on the form page: the source (Kore's public API, an exported JSON/CSV file, or the sandbox)
and, once a list is loaded, the grid (`AppGrid`) with its filter and counts. Loading runs in a screen
worker (it only reads); the API secret is taken from $KORE_API_CLIENT_SECRET or a masked field, used
once for the load, cleared from the field at once and never stored. Review writes the selection to the
state; Apply records it; the checks confirm a list is loaded and something is selected.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from byok_tui.engine import apps as apps_step
from byok_tui.errors import ByokError
from byok_tui.secret import Secret
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.app_grid import AppGrid
from .widgets.apps_source import AppsSource
from .widgets.field import Row

SAVE_DELAY = 1.0
"""Seconds after the last toggle before the selection is written to the session."""


class AppsScreen(FlowScreen):
    """Choose which apps and bots the key encrypts (all by default); the rest stay on Kore's key.

    Keys as in FlowScreen, plus (form page):

    | Key | Action |
    | :- | :- |
    | l | Load the list from the chosen source (Enter in a field does the same) |
    | s | Change the source (reload) |
    | / | Filter the list by name, purpose, status or id |
    | space, a, x | In the grid: toggle the row, select all shown, select none shown |
    """

    STEP = apps_step.STEP
    STEP_ID = apps_step.STEP_ID
    CSS_PATH = "steps.tcss"
    FORM_FOCUS = ""
    """The form page focuses by pane (`_show_pane`): the grid once a list is loaded, else the source."""
    ready_text = "the selection is recorded"
    BINDINGS = [
        Binding("l", "load", "Load", id="load", tooltip="Load the apps and bots from the chosen source"),
        # Shown on their own buttons / placeholder; the footer keeps room for the grid's keys at 80 columns.
        Binding(
            "s",
            "change_source",
            "Source",
            id="change-source",
            show=False,
            tooltip="Load the list from another source",
        ),
        Binding(
            "slash", "filter", "Filter", id="filter", key_display="/", show=False, tooltip="Filter the list"
        ),
    ]

    _save_timer: Timer | None = None
    _unsaved: tuple[str, ...] | None = None
    """The grid's selection not yet written to the state (None: nothing pending)."""

    grid = getters.query_one(AppGrid)
    source_pane = getters.query_one(AppsSource)
    filter_input = getters.query_one("#filter", Input)

    # --- form ------------------------------------------------------------------------------

    @property
    def sources(self) -> tuple[str, ...]:
        """The sandbox is a source only on a sandbox connection (it holds the sandbox's API app)."""
        return apps_step.SOURCES if self.app.conn.kore_api_client else ("kore-api", "file")

    def compose_form(self) -> ComposeResult:
        host_note = apps_step.host_note(self.app.conn, self.app.profile, self.app.state.apps.kore_host)
        yield AppsSource(self.app.state.apps, self.sources, host_note=host_note, id="source-pane")
        with Vertical(id="grid-pane"):
            with Horizontal(id="source-line"):
                yield Static("", id="source-text")
                yield Button("Change source (s)", id="to-source", compact=True)
            yield Row(
                "Filter", Input(placeholder="name, purpose, status or id  (/)", id="filter", compact=True)
            )
            yield Static("", id="counts")
            yield AppGrid(id="grid")
            with Horizontal(classes="actions"):
                yield Button("Review (r)", id="review", variant="primary", compact=True)

    def on_mount(self) -> None:
        state = self.app.state
        if state.apps.apps:
            self.grid.load(state.apps.apps, state.apps.deselected)
        self._show_pane("grid" if state.apps.apps else "source")
        self._show_counts()

    def _show_pane(self, pane: str) -> None:
        grid = pane == "grid"
        self.query_one("#grid-pane").display = grid
        self.source_pane.display = not grid
        self.source_pane.allow_back(not grid and bool(self.grid.apps))
        self.refresh_bindings()
        if self.page != "form":
            return
        if grid:
            self.query_one("#source-text", Static).update(self._source_text())
            self.grid.focus()
        else:
            self.source_pane.focus_first()

    @property
    def showing_grid(self) -> bool:
        return bool(self.query_one("#grid-pane").display)

    def _source_text(self) -> Content:
        a = self.app.state.apps
        where = {
            "sandbox": "the sandbox's Kore account",
            "kore-api": f"Kore's API (client {a.kore_api_client_id})",
            "file": f"{Path(a.file).name}",
        }.get(a.source, "—")
        return Content.from_markup(
            "Source: [b]$where[/b] · $n apps and bots", where=where, n=f"{len(a.apps):,}"
        )

    def _show_counts(self) -> None:
        grid = self.grid
        total, chosen = len(grid.apps), grid.selected_count
        if not total:
            text = Content("Nothing loaded yet.")
        else:
            text = Content.from_markup(
                "[b]$chosen[/b] of $total selected · [b]$kept[/b] stay on Kore's default key",
                chosen=f"{chosen:,}",
                total=f"{total:,}",
                kept=f"{total - chosen:,}",
            )
            if self.filter_input.value.strip():
                text += Content.from_markup(" · [b]$n[/b] shown", n=f"{len(grid.shown):,}")
        self.query_one("#counts", Static).update(text, layout=False)  # one line, always: no re-layout

    # --- loading ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "load":
            return self.page == "form" and not self.showing_grid
        if action in ("change_source", "filter"):
            return self.page == "form" and self.showing_grid
        return super().check_action(action, parameters)

    @on(Button.Pressed, "#load")
    @on(Input.Submitted, "#client-id, #secret, #kore-host, #file-path")
    def action_load(self) -> None:
        if any(w.node is self and w.group == "load" and w.is_running for w in self.workers):
            return  # one load at a time (the button is off meanwhile; l and Enter are ignored)
        taken = self.source_pane.take_answers()
        if taken is not None:
            answers, secret = taken
            self.load_apps(dataclasses.replace(self.app.state, apps=answers), secret)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def load_apps(self, state: WizardState, secret: Secret | None) -> None:
        """Read the list (every page of the API), then show it in the grid, all selected."""
        pane = self.source_pane
        pane.load_started(state.apps.source)
        host = apps_step.kore_host(self.app.conn, self.app.profile, state.apps.kore_host)
        try:
            found = await apps_step.load(
                state, self.app.conn, host=host, secret=secret, progress=pane.progress
            )
        except ByokError as exc:  # InputError included: shown under the field it names
            pane.show_error(exc)
            return
        finally:
            del secret
            pane.load_finished()
        if note := getattr(found, "note", ""):  # Kore's pages stopped short: the list may be incomplete
            self.notify(note, title="Apps and bots", severity="warning", timeout=30)
        loaded = apps_step.with_apps(state, found)
        # The session is saved on a thread once the state is set, and writing thousands of apps the first
        # time is 17 ms of CPU that held the GIL while this screen drew the grid: a 57 ms stall on the
        # 5,000-app account. Written here, on a thread, while nothing is drawn, the save reuses it.
        await asyncio.to_thread(loaded.to_json)
        self.app.set_state(loaded)
        self.filter_input.value = ""
        self.grid.load(self.app.state.apps.apps, self.app.state.apps.deselected)
        self._show_counts()
        self._show_pane("grid")

    @on(Button.Pressed, "#to-source")
    def action_change_source(self) -> None:
        self._show_pane("source")

    @on(Button.Pressed, "#keep-list")
    def _keep_list(self) -> None:
        self._show_pane("grid")

    # --- the grid --------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.grid.show(apps_step.filter_apps(self.grid.apps, event.value))
        self._show_counts()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.grid.focus()

    @on(AppGrid.Changed)
    def _selection_changed(self) -> None:
        self._show_counts()
        # Keep the selection in the session too (a dropped SSH session must not lose it), once the
        # toggling pauses: a 5,000-app session is a big file to rewrite on every key.
        self._unsaved = self.grid.deselected
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_DELAY, self._save_selection)

    def on_unmount(self) -> None:
        self._save_selection()  # leaving before the pause (the stepper, Next): write it now

    def _save_selection(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer, unsaved, self._unsaved = None, self._unsaved, None
        state = self.app.state
        if unsaved is not None and set(unsaved) != set(state.apps.deselected):
            self.app.set_state(apps_step.deselect(state, unsaved))

    # --- FlowScreen ------------------------------------------------------------------------

    async def collect(self) -> WizardState | None:
        grid = self.grid
        if not grid.apps:
            self._show_pane("source")
            self.refuse([("source", "Apps and bots: load the list first (choose a source, then l).")])
            return None
        return apps_step.deselect(self.app.state, grid.deselected)

    def watch_page(self, page: str) -> None:
        super().watch_page(page)
        if page == "form" and self.is_mounted:
            self._show_pane("grid" if self.showing_grid else "source")

    def summary(self, state: WizardState) -> str:
        chosen, total = apps_step.counts(state)
        kept = apps_step.on_default_key(state)
        line = f"{chosen:,} of {total:,} apps and bots encrypted with your key; {total - chosen:,} stay on Kore's key"
        return line + (f":\n{apps_step.names(kept, 5)}." if kept else ".")
