"""Messages that cross from the App's apply worker to the screen that asked for it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from byok_tui.errors import ByokError


@dataclass
class ApplyProgress(Message):
    """A line of progress from a running apply (posted by the engine's progress callback)."""

    step_id: str
    message: str
    fraction: float | None = None
    """0.0-1.0 when the engine knows how far it is; None keeps the bar where it was."""
    stamp: str = ""
    """HH:MM:SS from the App's clock, for the log."""


@dataclass
class ApplyFinished(Message):
    """The apply worker is done: `error` is None on success. `app.state` already holds the result."""

    step_id: str
    error: ByokError | None = None
