"""One log line per Azure or Kore request: method, URL with its query values redacted, status, duration,
request id.

Never bodies, never headers: the log is safe to attach to a support ticket. azure-core's own HTTP
logging stays at WARNING (byok_tui/logs.py) because at DEBUG it would log bodies.

Every path a request can take is covered, once per attempt so retries show:
- azure-core pipelines (ARM, Key Vault): `RequestLogPolicy` in `per_retry_policies` (clients.py);
- azure-identity token requests (device code, service principal): `identity_hooks()` (auth.py);
- msgraph-sdk: `graph_middleware()`, the innermost kiota middleware (graph.py);
- Kore's public API (httpx): `HTTPX_HOOKS` (kore/bots.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from azure.core.pipeline.policies import SansIOHTTPPolicy

from byok_tui import trace
from byok_tui.azure.evidence import request_id_of

logger = logging.getLogger("byok_tui.requests")
_STARTED = "byok_tui.started"

SAFE_QUERY_KEYS = frozenset({"api-version", "$filter", "$select", "$expand", "$orderby", "$top", "$skip",
                             "$count", "maxresults", "offset", "limit", "top"})  # fmt: skip
"""Query parameters whose values are never secret and help diagnose a request. Every other value (a SAS
`sig`, an OAuth `code`, a `client_secret`, a `$skiptoken`, anything new) is logged as REDACTED."""

REDACTED = "REDACTED"


def safe_url(url: str) -> str:
    """The URL without credentials or fragment, and with every query value not known to be harmless
    replaced by REDACTED (a query can carry a SAS signature, an authorization code or a secret)."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    base = f"{parts.scheme}://{netloc}{parts.path}"
    if not parts.query:
        return base
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    shown = [f"{quote(k, safe='$-')}={_shown_value(k, v)}" for k, v in pairs]
    return f"{base}?{'&'.join(shown)}"


def _shown_value(key: str, value: str) -> str:
    # Spaces stay encoded: one URL is one word of the line, for grep and awk.
    return quote(value, safe="=/,:-'()$") if key.lower() in SAFE_QUERY_KEYS else REDACTED


def response_request_id(response: Any) -> str:
    """The service's request id: Azure's names (evidence.request_id_of), then Kore's `x-request-id`."""
    found = request_id_of(response)
    if found or response is None:
        return found
    headers = getattr(response, "headers", None) or {}
    return str(headers.get("x-request-id") or "")


def log_response(method: str, url: str, status: int | None, started: float, response: Any) -> None:
    ms = (time.perf_counter() - started) * 1000
    logger.info("%s %s -> %s in %.0f ms (request id %s)", method, safe_url(url), status, ms,
                response_request_id(response) or "-")  # fmt: skip


def log_failure(method: str, url: str, started: float, error: BaseException) -> None:
    """A request that got no answer. Only the exception's type: its text can quote a full URL."""
    ms = (time.perf_counter() - started) * 1000
    logger.info("%s %s -> no response (%s) in %.0f ms", method, safe_url(url), type(error).__name__, ms)


class RequestLogPolicy(SansIOHTTPPolicy):
    """For azure-core pipelines (ARM and Key Vault clients); runs once per try, so retries show."""

    def on_request(self, request: Any) -> None:
        request.context[_STARTED] = time.perf_counter()

    def on_response(self, request: Any, response: Any) -> None:
        http = response.http_response
        log_response(request.http_request.method, request.http_request.url, http.status_code,
                     request.context.get(_STARTED, time.perf_counter()), http)  # fmt: skip

    def on_exception(self, request: Any) -> None:
        import sys

        error = sys.exc_info()[1]
        if error is not None:
            log_failure(request.http_request.method, request.http_request.url,
                        request.context.get(_STARTED, time.perf_counter()), error)  # fmt: skip


def _identity_request(request: Any) -> None:
    request.context[_STARTED] = time.perf_counter()


def _identity_response(response: Any) -> None:
    http = response.http_response
    log_response(http.request.method, http.request.url, http.status_code,
                 response.context.get(_STARTED, time.perf_counter()), http)  # fmt: skip


def identity_hooks() -> dict[str, Any]:
    """Keyword arguments for an azure-identity credential so its token requests are logged (URL, status,
    time, request id; never the form with the secret or the token that comes back). azure-identity
    passes them to its pipeline's CustomHookPolicy, which runs once per try."""
    return {"raw_request_hook": _identity_request, "raw_response_hook": _identity_response}


_graph_middleware_class: type | None = None


def graph_middleware() -> Any:
    """A kiota middleware that logs each Graph request. Placed last in the chain, it sees every attempt
    the retry and redirect handlers make, whichever transport or proxy mount sends it."""
    global _graph_middleware_class
    if _graph_middleware_class is None:
        from kiota_http.middleware.middleware import BaseMiddleware

        class GraphRequestLog(BaseMiddleware):
            async def send(self, request: Any, transport: Any) -> Any:
                started = time.perf_counter()
                try:
                    response = await super().send(request, transport)
                except Exception as e:
                    log_failure(request.method, str(request.url), started, e)
                    raise
                log_response(request.method, str(request.url), response.status_code, started, response)
                # Graph's `request-id` reaches the audit journal as Resource Manager's does (trace.py).
                trace.report(response_request_id(response))
                return response

        _graph_middleware_class = GraphRequestLog
    return _graph_middleware_class()


async def httpx_response_hook(response: Any) -> None:
    """For plain httpx clients (Kore)."""
    started = response.request.extensions.get("byok_started", time.perf_counter())
    log_response(response.request.method, str(response.request.url), response.status_code, started, response)


async def httpx_request_hook(request: Any) -> None:
    request.extensions["byok_started"] = time.perf_counter()


HTTPX_HOOKS = {"request": [httpx_request_hook], "response": [httpx_response_hook]}
