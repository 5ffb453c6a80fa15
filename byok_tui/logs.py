"""Where the diagnostic log goes and what reaches it.

Every command logs to a file: `--log-file FILE`, else $BYOK_TUI_LOG, else `byok-tui.log` in the user's log
directory (platformdirs: ~/.local/state/byok-tui/log on Linux). The file is private (0600) and rotated, so a
forgotten jump host does not fill up. It holds one line per Azure and Kore request
(byok_tui.azure.requestlog) and the wizard's own warnings and errors; never a body, header, token or
secret. Third-party loggers stay at WARNING: azure-core logs bodies at DEBUG, httpx logs whole URLs.

A TUI owns the terminal: there, logging never writes to stdout or stderr, even when the file cannot be
opened or a write fails. Headless commands with --verbose also echo each request line to stderr.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

APP_NAME = "byok-tui"
LOG_NAME = "byok-tui.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
QUIET = ("azure", "httpx", "httpcore", "msal", "kiota_http", "kiota_abstractions", "msgraph", "msgraph_core",
         "urllib3", "hpack", "aiohttp", "asyncio", "textual-serve")  # fmt: skip
"""Libraries kept at WARNING, whatever --verbose says."""

REQUESTS_LOGGER = "byok_tui.requests"

_current: Path | None = None


@functools.cache
def private_rotating_handler() -> type[logging.Handler]:
    """RotatingFileHandler whose files (the first and every one after a rollover) are mode 0600. Defined on
    first use: logging.handlers (sockets, pickle, queues) is not worth loading before the TUI's first frame."""
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self):  # type: ignore[override]
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # A file left by an older version or another tool may be readable by others.
                if os.path.isfile(self.baseFilename):
                    os.fchmod(fd, 0o600)
            except OSError:
                pass
            return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115 (the handler owns it)

    return PrivateRotatingFileHandler


def platform_log_path() -> Path:
    """byok-tui.log in the user's log directory for byok-tui (honours XDG_STATE_HOME on Linux)."""
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / LOG_NAME


def default_log_path() -> Path:
    """$BYOK_TUI_LOG if set (as $BYOK_TUI_SESSION for the session), else platform_log_path()."""
    explicit = os.environ.get("BYOK_TUI_LOG", "").strip()
    return Path(explicit).expanduser() if explicit else platform_log_path()


def default_log_text() -> str:
    """The default log's place as help text shows it, with the home directory as ~."""
    path, home = platform_log_path(), Path.home()
    shown = f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
    return f"$BYOK_TUI_LOG or {shown}"


def current_path() -> Path | None:
    """The file this process logs to, or None when it could not be opened."""
    return _current


def _tagged(handler: logging.Handler) -> logging.Handler:
    handler._byok_tui = True  # type: ignore[attr-defined]
    return handler


def _remove_ours(logger: logging.Logger) -> None:
    # main() can run more than once in a process (tests): replace what an earlier call installed, and
    # leave alone handlers others own (pytest's capture, for one).
    for handler in [h for h in logger.handlers if getattr(h, "_byok_tui", False)]:
        logger.removeHandler(handler)
        handler.close()


def _file_handler(path: Path) -> logging.Handler:
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = private_rotating_handler()(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def setup(log_file: str | os.PathLike | None = None, *, verbose: bool = False, tui: bool = False,
          command: str = "") -> Path | None:  # fmt: skip
    """Configure logging for this process; returns the log file's path (None if it cannot be opened).

    `tui`: the process draws on the terminal, so nothing may be written to stdout or stderr.
    `verbose`: byok_tui at DEBUG, and for a headless command each request line echoed to stderr.
    """
    global _current
    root, requests = _reset()
    path = Path(log_file).expanduser() if log_file else default_log_path()
    try:
        handler = _file_handler(path)
        _current = path.resolve()
    except OSError as e:
        # The log is a help, never a reason not to run: carry on without it.
        handler, _current = logging.NullHandler(), None
        if not tui:
            print(f"byok-tui: cannot write the log {path}: {e.strerror or e}", file=sys.stderr)
    # Even when the file failed, root keeps a handler: with none, logging's last resort prints to stderr.
    root.addHandler(_tagged(handler))
    _levels(verbose)
    if tui:
        # A failed write (disk full) must not print a traceback over the screen.
        logging.raiseExceptions = False
    elif verbose:
        echo = logging.StreamHandler(sys.stderr)
        echo.setFormatter(logging.Formatter("%(message)s"))
        echo.setLevel(logging.INFO)
        requests.addHandler(_tagged(echo))
    from byok_tui import __version__

    logging.getLogger("byok_tui").info("byok-tui %s %s started", __version__, command or "wizard")
    return _current


def _reset() -> tuple[logging.Logger, logging.Logger]:
    """Remove what an earlier setup installed; (root, the request logger)."""
    root, requests = logging.getLogger(), logging.getLogger(REQUESTS_LOGGER)
    for logger in (root, logging.getLogger("byok_tui"), requests):
        _remove_ours(logger)
    return root, requests


def _levels(verbose: bool) -> None:
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("byok_tui").setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Python warnings would print on stderr, in the middle of a TUI's screen; the log is their place.
    logging.captureWarnings(True)


# --- a TUI's log opens after its first frame ---------------------------------------------------------------


class _Pending(logging.Handler):
    """Keeps records until the log file opens (at most LIMIT: start-up says little)."""

    LIMIT = 1000

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


_deferred: Callable[[], Path | None] | None = None
"""The `setup` call `setup_deferred` put off."""


def setup_deferred(
    log_file: str | os.PathLike | None = None, *, verbose: bool = False, command: str = ""
) -> None:
    """`setup` for a TUI, in two halves: records are kept from now, and the file (platformdirs, the rotating
    handler) opens at `open_deferred`, which the App calls once its first frame is drawn. Until then
    nothing can reach the terminal either: root has a handler, so logging's last resort stays silent."""
    global _deferred
    root, _ = _reset()
    root.addHandler(_tagged(_Pending()))
    _levels(verbose)
    logging.raiseExceptions = False
    _deferred = functools.partial(setup, log_file, verbose=verbose, tui=True, command=command)


def open_deferred() -> Path | None:
    """Open the log `setup_deferred` put off, and write what was kept meanwhile; harmless when nothing was."""
    global _deferred
    if _deferred is None:
        return _current
    kept = [record for h in logging.getLogger().handlers if isinstance(h, _Pending) for record in h.records]
    deferred, _deferred = _deferred, None
    path = deferred()
    for record in kept:
        logging.getLogger(record.name).handle(record)
    return path
