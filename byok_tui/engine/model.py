"""Data that crosses the engine's boundary: planned changes, check results, progress."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, Protocol

CheckStatus = Literal["pass", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Change:
    """One write the step would make, shown to the operator before anything happens."""

    id: str
    """Stable id within the step, e.g. "vault.key"; recorded in StepRecord.applied_changes."""
    title: str
    """One line for a person: "Create key vault kv-byok in eastus"."""
    target: str
    """The Azure resource (id or URL) the change touches."""
    az: str
    """The equivalent Azure CLI command, so the operator can see or reproduce it."""
    irreversible: bool = False
    """Cannot be undone (e.g. enabling purge protection): needs an explicit confirmation."""
    destructive: bool = False
    """Removes or replaces something that exists."""
    detail: str = ""
    """Why this change is needed, when it is not obvious."""
    effect: str = ""
    """What it does to Azure as Azure is now, once a survey looked: "create", "change", or "adopt" (it
    exists as asked, so applying writes nothing); "" when no survey has looked (plan() alone is pure)."""


@dataclass(frozen=True)
class CheckResult:
    """One live, read-only validation."""

    id: str
    title: str
    status: CheckStatus
    detail: str = ""
    """What was observed."""
    remedy: str = ""
    """What to do when the status is warn or fail; "" when nothing is needed."""
    request_id: str = ""
    """x-ms-request-id of the request that proved it, when one did."""
    ms: float | None = None
    """Latency of that request in milliseconds, when measured."""


class Progress(Protocol):
    """Receives progress from a running apply. Screens post a message; the CLI prints a line."""

    def __call__(self, message: str, fraction: float | None = None) -> None: ...


def adopted(change: Change, title: str) -> Change:
    """`change` found already true in Azure: applying it writes nothing, so it warns of nothing either."""
    return dataclasses.replace(change, title=title, effect="adopt", irreversible=False, destructive=False,
                               detail="")  # fmt: skip


def sentence(clauses: list[str]) -> str:
    """Clauses joined into one sentence. Not str.capitalize(), which would also lower the rest: "the vault
    URI" must not become "The vault uri", nor an Azure value like "Allow" become "allow"."""
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


def arg(value: object) -> str:
    """A value for a shell command line, always single-quoted: an exported script stays correct whatever a
    name holds, and every value reads the same way (shlex.quote leaves "safe" words bare)."""
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def args(values: object) -> str:
    """Several values (az's space-separated lists), each quoted."""
    return " ".join(arg(v) for v in values)  # type: ignore[attr-defined]


def no_progress(message: str, fraction: float | None = None) -> None:
    """A Progress that discards everything."""


def overall(results: list[CheckResult]) -> str:
    """The worst status in a list of results: fail > warn > pass; all skipped counts as skip."""
    statuses = {r.status for r in results}
    for status in ("fail", "warn", "pass"):
        if status in statuses:
            return status
    return "skip"
