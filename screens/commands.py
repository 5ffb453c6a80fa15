"""The wizard's commands in the command palette (ctrl+p), next to Textual's own (theme, keys, quit).

Each command does what a key or a button already does, through the same code: "Go to step" asks the
App (`action_goto_step`, which refuses with a reason), "Re-run checks" and "Toggle az commands" run the
current screen's own actions, "Export" writes the text `byok-tui export` prints, and "Copy" goes through
the App's clipboard (OSC 52). A command that cannot run here still shows, and its help line says why.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from byok_tui.engine import share as share_step
from byok_tui.engine import steps
from byok_tui.state import WizardState

from .widgets.prereq import step_name
from .wizard import as_wizard

if TYPE_CHECKING:
    from byok_tui.app import ByokApp

EXPORTS = {
    "json": ("JSON", "kore-byok-handoff.json"),
    "md": ("Markdown", "kore-byok-handoff.md"),
    "az": ("az commands", "kore-byok-az-commands.sh"),
}
"""Format -> (name in the palette, file written into the hand-off folder). JSON and Markdown are Step 4's
own bundle, names and content alike (byok_tui.kore.bundle): one hand-off, never two that differ."""

COPYABLE = (
    ("tenant_id", "tenant ID"),
    ("key_vault_uri", "Key Vault URI"),
    ("key_name", "key name"),
    ("key_identifier", "key identifier"),
)
"""The hand-off values (engine.share.handoff keys) the palette copies."""

RECHECK_ACTIONS = ("recheck", "check_all")
"""The actions step screens use for "run the live checks again", in order of preference."""

STATUS = {"pass": "✓ checks pass", "warn": "! checks pass with a warning", "fail": "✗ checks fail"}


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[], object]


def wizard_commands(app: ByokApp, screen: Screen[object]) -> list[Command]:
    """Every wizard command, for the palette opened on `screen`."""
    return [
        Command("Help: keys of this screen", "Every key that works here, and what it does (? or F1)",
                app.action_help),  # fmt: skip
        *goto_commands(app, screen),
        screen_action_command(app, screen, "Re-run checks", RECHECK_ACTIONS,
                              "Run this screen's live checks again (read-only)", "this screen has no checks",
                              "the checks are on the checks page, after Apply"),
        *export_commands(app),
        *copy_commands(app),
        screen_action_command(app, screen, "Toggle az commands", ("toggle_az",),
                              "Show or hide the az commands under the planned changes",
                              "this screen plans no changes",
                              "az commands show on the planned-changes page, after Review"),
    ]  # fmt: skip


# --- go to a step ------------------------------------------------------------------------------


def step_status(state: WizardState, step_id: str) -> str:
    record = state.step(step_id)
    return STATUS.get(record.checked) or ("applied, not checked yet" if record.applied else "not started")


def goto_commands(app: ByokApp, screen: Screen[object]) -> list[Command]:
    here = getattr(screen, "STEP_ID", "")
    commands = []
    for step_id in steps.IDS:
        if step_id == here:
            continue
        refusal = app.goto_refusal(step_id)
        help_text = f"Not now: {refusal[1]}" if refusal else step_status(app.state, step_id)
        commands.append(
            Command(f"Go to step: {step_title(step_id)}", help_text, partial(app.action_goto_step, step_id))
        )
    return commands


def step_title(step_id: str) -> str:
    """The step's name first ("Authorize Kore app (Step 1)"), so typing the name finds it."""
    entry = steps.listed(step_id)
    return f"{entry.label} (Step {entry.number})" if entry.number is not None else entry.label


# --- the current screen's own actions ------------------------------------------------------------


def screen_action_command(app: ByokApp, screen: Screen[object], name: str, actions: tuple[str, ...], what: str,
                          absent: str, not_here: str) -> Command:  # fmt: skip
    """A command that runs the first of `actions` the screen has, when its `check_action` allows it now.

    Otherwise its help says why: `absent` when the screen has no such action, `not_here` when the
    screen hides it on this page, or that changes are being applied (the action is dimmed).
    """
    action = next((a for a in actions if hasattr(screen, f"action_{a}")), "")
    allowed = screen.check_action(action, ()) if action else False
    if action and allowed:
        return Command(name, what, partial(screen.run_action, action))
    why = absent if not action else not_here if allowed is False else "not while changes are being applied"
    return Command(name, f"Not here: {why}", partial(app.notify, f"{name}: {why}.", severity="warning"))


# --- export -----------------------------------------------------------------------------------


def export_folder(state: WizardState) -> Path:
    """The hand-off folder chosen in Step 4, else its default."""
    return Path(state.share.export_dir or share_step.DEFAULT_EXPORT_DIR).expanduser()


def write_export(state: WizardState, fmt: str) -> Path:
    """Write what `byok-tui export --format FMT` prints into the hand-off folder (atomically)."""
    from byok_tui.headless import export_text

    folder = export_folder(state)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / EXPORTS[fmt][1]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(export_text(state, fmt))
        os.chmod(tmp, 0o644)  # ids and URLs only: nothing secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_commands(app: ByokApp) -> list[Command]:
    folder = export_folder(app.state)

    def export(fmt: str) -> None:
        try:
            path = write_export(app.state, fmt)
        except OSError as exc:
            app.notify(
                f"Could not write to {folder}: {exc.strerror or exc}", title="Export failed", severity="error"
            )
            return
        app.notify(f"Wrote {path}", title=f"Exported {EXPORTS[fmt][0]}")

    return [
        Command(f"Export hand-off bundle ({label})", f"Writes {folder / name}, as byok-tui export prints it",
                partial(export, fmt))
        for fmt, (label, name) in EXPORTS.items()
    ]  # fmt: skip


# --- copy -------------------------------------------------------------------------------------


def copy_commands(app: ByokApp) -> list[Command]:
    values = share_step.handoff(app.state)
    commands = []
    for key, label in COPYABLE:
        value = values[key]
        if value:
            commands.append(Command(f"Copy {label}", value, partial(_copy, app, label, value)))
            continue
        why = f"not recorded yet: {step_name(share_step.MISSING_FROM[key])} records it"
        commands.append(Command(f"Copy {label}", why[:1].upper() + why[1:],
                                partial(app.notify, f"The {label} is {why}.", severity="warning")))  # fmt: skip
    return commands


def _copy(app: ByokApp, label: str, value: str) -> None:
    app.copy_to_clipboard(value)
    app.notify(f"Copied the {label}")


# --- the provider -----------------------------------------------------------------------------


class WizardCommands(Provider):
    """Registered in `ByokApp.COMMANDS`; built afresh on every keystroke, so it always reflects the state."""

    def _commands(self) -> list[Command]:
        return wizard_commands(as_wizard(self.app), self.screen)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            if (score := matcher.match(command.name)) > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
