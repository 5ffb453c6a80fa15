"""What the App told the operator in toasts, recorded through its public `notify`.

Textual keeps the toasts in a private list that also drops them when they time out (5 s by default),
so a test reading it on a loaded machine could miss one. `record(app)` wraps the App's `notify` and
`clear_notifications` on the instance: the record holds every notification since the App last cleared
them, whatever time has passed.
"""

from __future__ import annotations

from textual.app import App
from textual.notifications import Notification

_ATTR = "_testing_notes"


def record(app: App) -> list[Notification]:
    """Start recording `app`'s notifications (idempotent); returns the live record."""
    notes: list[Notification] | None = getattr(app, _ATTR, None)
    if notes is not None:
        return notes
    notes = []
    setattr(app, _ATTR, notes)
    notify, clear = app.notify, app.clear_notifications

    def recording_notify(message, *, title="", severity="information", timeout=None, markup=True):
        notes.append(Notification(message, title, severity, timeout if timeout is not None else 0.0, markup))
        return notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def recording_clear() -> None:
        notes.clear()
        clear()

    app.notify = recording_notify  # type: ignore[method-assign]
    app.clear_notifications = recording_clear  # type: ignore[method-assign]
    return notes


def notifications(app: App) -> list[Notification]:
    """Every notification since `app` last cleared them (title, message, severity)."""
    notes = getattr(app, _ATTR, None)
    if notes is None:
        raise AssertionError(
            "notifications are not recorded for this App: call notes.record(app) when making it"
        )
    return list(notes)


def messages(app: App) -> list[str]:
    return [str(n.message) for n in notifications(app)]
