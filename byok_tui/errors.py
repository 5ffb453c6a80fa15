"""Errors the wizard shows to a person: what went wrong, what to do, and how to trace it.

Adapters translate SDK exceptions into these at the boundary (`byok_tui.azure.errors`), so the
engine, the screens and the CLI deal with one family of errors that always carry a remedy.
"""

from __future__ import annotations


class ByokError(Exception):
    """Base class: `title` says what failed, `remedy` what to do, `request_id` traces it at Azure."""

    exit_code = 3

    def __init__(
        self,
        title: str,
        *,
        detail: str = "",
        remedy: str = "",
        request_id: str = "",
        code: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(title)
        self.title = title
        self.detail = detail
        self.remedy = remedy
        self.request_id = request_id
        self.code = code
        self.status = status

    def describe(self) -> str:
        """Multi-line text for a terminal: title, cause, remedy, request id."""
        lines = [self.title]
        if self.detail:
            lines.append(f"Cause: {self.detail}")
        if self.remedy:
            lines.append(f"Fix: {self.remedy}")
        if self.request_id:
            lines.append(f"Request id: {self.request_id}")
        return "\n".join(lines)


class InputError(ByokError):
    """Bad input from the operator or an answers file: names the field and the rule. Exit 2."""

    exit_code = 2

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}", remedy=f"Correct {field} and try again.")
        self.field = field
        self.rule = rule


class AzureError(ByokError):
    """Azure refused or failed a request. Exit 3."""


class AuthError(AzureError):
    """Sign-in failed or a token was refused."""


class NetworkError(AzureError):
    """The request never reached the service: a proxy or TLS problem on this machine's side. Exit 3.

    Made by `azure.netdiag.diagnose`; defined here so the engine can tell it apart without importing Azure."""


class ProxyUnreachable(NetworkError):
    """The proxy itself cannot be reached: no request to any host can succeed from here until it is fixed,
    so asking again (for the next step's check) only waits out the same retries."""


class Terminated(Exception):
    """SIGTERM or SIGHUP (a dropped SSH connection) ended a command; the session is whole on disk."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SessionError(ByokError):
    """The session file cannot be used as it is (damaged, foreign, newer, busy) or cannot be saved. Exit 2."""

    exit_code = 2


def session_save_error(exc: BaseException, path: object, *, before: str = "") -> SessionError:
    """A save or journal write that failed (ENOSPC, EROFS, EACCES…): the previous save is intact, and nothing
    further is done. `before` names the change that was therefore not started."""
    import errno

    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    code = errno.errorcode.get(exc.errno, "") if isinstance(exc, OSError) and exc.errno else ""
    detail = "The previous save is intact."
    if before:
        detail += f" “{before}” was not started: the wizard makes no change it cannot record."
    return SessionError(
        f"Could not save the session to {path}: {reason}" + (f" ({code})" if code else ""),
        detail=detail,
        remedy="Free some space, or make the folder writable, or choose another --session; then run the same "
        "command again: it resumes from the last save.",
    )
