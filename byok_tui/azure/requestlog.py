"""One log line per Azure request: method, URL without its query, status, duration, request id.

Never bodies, never headers: the log is safe to attach to a support ticket. azure-core's own HTTP
logging stays at WARNING (cli.py) because at DEBUG it would log bodies.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.policies import SansIOHTTPPolicy

from byok_tui.azure.evidence import request_id_of

logger = logging.getLogger("byok_tui.requests")
_STARTED = "byok_tui.started"


def safe_url(url: str) -> str:
    """The URL without query or fragment (a query can carry a SAS token or a filter with ids)."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def log_response(method: str, url: str, status: int | None, started: float, response: Any) -> None:
    ms = (time.perf_counter() - started) * 1000
    logger.info("%s %s -> %s in %.0f ms (request id %s)", method, safe_url(url), status, ms,
                request_id_of(response) or "-")  # fmt: skip


class RequestLogPolicy(SansIOHTTPPolicy):
    """For azure-core pipelines (ARM and Key Vault clients); runs once per try, so retries show."""

    def on_request(self, request: Any) -> None:
        request.context[_STARTED] = time.perf_counter()

    def on_response(self, request: Any, response: Any) -> None:
        http = response.http_response
        log_response(request.http_request.method, request.http_request.url, http.status_code,
                     request.context.get(_STARTED, time.perf_counter()), http)  # fmt: skip


async def httpx_response_hook(response: Any) -> None:
    """For httpx clients (Graph, Kore)."""
    started = response.request.extensions.get("byok_started", time.perf_counter())
    log_response(response.request.method, str(response.request.url), response.status_code, started, response)


async def httpx_request_hook(request: Any) -> None:
    request.extensions["byok_started"] = time.perf_counter()


HTTPX_HOOKS = {"request": [httpx_request_hook], "response": [httpx_response_hook]}
