"""What the adapters need to reach Azure: a credential, transports and a cloud.

Neutral on purpose: the App holds a `Connection` without importing `byok_tui.azure` or any SDK.
Live Azure leaves the transport factories empty (the SDKs' own transports are used) and waits with
`asyncio.sleep`; the sandbox fills them with in-process transports and its own `sleep`. Everything else,
including the real SDK clients, is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from byok_tui.clouds import AZURE_PUBLIC, AzureCloud


@dataclass(frozen=True)
class Connection:
    credential: Any
    """An azure-core async token credential (`get_token` / `get_token_info`). Never serialised."""
    cloud: AzureCloud = AZURE_PUBLIC
    transport_factory: Callable[[], Any] | None = None
    """Returns a fresh azure-core `AsyncHttpTransport`; None means the SDK's default (aiohttp)."""
    graph_transport_factory: Callable[[], Any] | None = None
    """Returns an httpx async transport for msgraph-sdk; None means httpx's default."""
    kore_transport_factory: Callable[[], Any] | None = None
    """Returns an httpx async transport for Kore's public API; None means httpx's default."""
    operator_object_id: str = ""
    """Object id of the signed-in operator, when known before sign-in checks run."""
    impersonate: Callable[[str], Any] | None = None
    """Sandbox only: a credential for any principal object id, so checks can run as Kore would."""
    kore_api_client: tuple[str, Any] | None = None
    """Sandbox only: (client id, Secret) of a Kore admin app for the bots API."""
    label: str = "Azure"
    """Shown in the header: "Azure" for live, "Sandbox" for the emulator."""
    prepare: Callable[[], None] | None = field(default=None, compare=False, repr=False)
    """Starts, in the background, what the connection needs before its first request (the demo's sandbox
    builds its world). The App calls it once its first frame is drawn; a request that comes sooner waits
    for it all the same. None: nothing to prepare."""
    extras: dict[str, Any] = field(default_factory=dict, compare=False)
    """Per-connection odds and ends the adapters may share (e.g. a client cache)."""
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False, repr=False)
    """How the adapters wait between attempts and polls of their own (Graph's retry handler, Key Vault
    throttling, token requests, a vault still registering): `asyncio.sleep` on live Azure. The in-process
    sandbox's returns at once unless it runs in real time (the demo), as its transports' `sleep` does for
    azure-core's own retries and pollers, so a test of a retry does not wait out Retry-After for real."""

    @property
    def is_sandbox(self) -> bool:
        return self.label.lower() == "sandbox"

    def sdk_kwargs(self) -> dict[str, Any]:
        """Keyword arguments every azure-core client accepts to use this connection's transport."""
        if self.transport_factory is None:
            return {}
        return {"transport": self.transport_factory()}
