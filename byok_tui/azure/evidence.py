"""Proof that a call reached Azure: the request id and the latency, for checks and the journal."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from byok_tui import trace


@dataclass
class Evidence:
    """Pass `hook` as `raw_response_hook=` to an SDK call; read `request_id` afterwards."""

    request_id: str = ""
    status: int | None = None
    started: float = field(default_factory=time.perf_counter)
    ms: float | None = None

    def hook(self, pipeline_response: Any) -> None:
        response = pipeline_response.http_response
        self.request_id = request_id_of(response) or self.request_id
        self.status = response.status_code
        trace.report(self.request_id)

    def stop(self) -> Evidence:
        self.ms = round((time.perf_counter() - self.started) * 1000, 1)
        return self

    def kwargs(self) -> dict[str, Any]:
        return {"raw_response_hook": self.hook}


def request_id_of(response: Any) -> str:
    """The service's request id from a response (ARM, Key Vault and Graph name it differently)."""
    if response is None:
        return ""
    headers = getattr(response, "headers", None) or {}
    for name in ("x-ms-request-id", "x-ms-correlation-request-id", "request-id", "client-request-id"):
        value = headers.get(name)
        if value:
            return str(value)
    return ""


def text(value: Any) -> str:
    """An SDK enum member or plain string as the string Azure sent ("" for None).

    str() of the SDKs' (str, Enum) members gives "Reason.ACCOUNT_NAME_INVALID"; `.value` is the wire text.
    """
    if value is None:
        return ""
    return str(getattr(value, "value", value))
