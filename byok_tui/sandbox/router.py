"""Requests, replies and route matching shared by every emulated service.

Matching is by method and path segments. Literal segments compare case-insensitively because ARM paths
arrive in mixed case (`resourcegroups` vs `resourceGroups`, azure-wire §0 item 9). Empty segments are kept:
Key Vault's get-latest is `GET /keys/{name}/` and an unversioned CryptographyClient posts to
`/keys/{name}//decrypt` (§0 item 6), and both mean "latest version".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit

from byok_tui.sandbox.errors import ApiError


@dataclass
class Request:
    """One HTTP request as a service sees it."""

    method: str
    url: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes
    host: str = ""
    path: str = ""
    segments: list[str] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    """Query parameters with lower-cased names, values percent-decoded (raw spaces are kept as they came)."""
    params: dict[str, str] = field(default_factory=dict)
    """Path placeholders filled by the matched route."""

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self, error: Callable[[str], ApiError]) -> Any:
        """The body as JSON; `error(message)` builds the service's refusal for a malformed body."""
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise error(f"The request body is not valid JSON: {exc}") from exc


@dataclass
class Reply:
    status: int
    body: Any = None
    """JSON-serialisable body, or None for an empty body."""
    headers: dict[str, str] = field(default_factory=dict)


def parse_request(method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes) -> Request:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    return Request(
        method=method.upper(),
        url=url,
        headers={k.lower(): v for k, v in headers},
        body=body,
        host=host,
        path=path,
        segments=[unquote(s) for s in path.split("/")[1:]],
        query=parse_query(parts.query),
    )


def parse_query(query: str) -> dict[str, str]:
    """Lenient: role-assignment `$filter` arrives unencoded in-process, role-definition `$filter`
    percent-encoded, and over a socket aiohttp (yarl) sends spaces as `+`, which Azure's front ends read as
    spaces, as every form-style query decoder does (a literal plus arrives as `%2B`)."""
    result: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        result[unquote_plus(name).lower()] = unquote_plus(value)
    return result


Handler = Any
"""What a route dispatches to; each service calls its own kind (ARM: `f(ctx, request)`, Key Vault: an
`Operation`)."""


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    """`pattern` like `/subscriptions/{sub}/resourcegroups/{rg}`; `{name}` captures one segment."""
    return Route(method.upper(), tuple(pattern.split("/")[1:]), handler)


def match(routes: Iterable[Route], request: Request, segments: list[str] | None = None) -> Route | None:
    """The first route whose method and segments fit; fills `request.params`. A route that fits the path
    but not the method is skipped, so callers answer "not found" the service's way."""
    segs = request.segments if segments is None else segments
    for candidate in routes:
        if candidate.method != request.method or len(candidate.pattern) != len(segs):
            continue
        params = _bind(candidate.pattern, segs)
        if params is not None:
            request.params = params
            return candidate
    return None


def _bind(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{") and want.endswith("}"):
            params[want[1:-1]] = got
        elif want.lower() != got.lower():
            return None
    return params
