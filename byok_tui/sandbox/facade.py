"""`Sandbox`: the public face of the emulator — a world, credentials for its principals, and transports.

Requests are routed by host, as DNS would: `management.azure.com` to ARM, `{vault}.vault.azure.net` to the
Key Vault data plane of a live vault, anything else fails like an unresolvable name.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from azure.core.exceptions import ServiceRequestError

from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.connection import Connection
from byok_tui.sandbox import scenarios
from byok_tui.sandbox.arm import ARM_HOST, ArmService
from byok_tui.sandbox.credential import SandboxCredential
from byok_tui.sandbox.keyvault_data import KeyVaultService, UnknownVaultHost
from byok_tui.sandbox.persist import dump_json, from_jsonable, write_atomic
from byok_tui.sandbox.router import Reply, parse_request
from byok_tui.sandbox.tokens import TokenIssuer
from byok_tui.sandbox.transport import MemTransport
from byok_tui.sandbox.world import SCHEMA_VERSION, World

FILE_KIND = "byok-tui-sandbox-world"


class Sandbox:
    """An in-process Azure for one tenant. Build it with `create` or `load`; never share a world between
    two Sandbox objects (each signs its tokens with its own in-memory secret)."""

    def __init__(self, world: World, *, state_path: Path | None = None):
        self.world = world
        self._issuer = TokenIssuer(os.urandom(32))
        self._arm = ArmService(world, self._issuer)
        self._keyvault = KeyVaultService(world, self._issuer)
        self.state_path: Path | None = Path(state_path) if state_path else None
        self._saved_revision = world.revision
        self._lock = threading.RLock()

    # ---- construction and persistence -------------------------------------------------------------

    @classmethod
    def create(cls, scenario: str = "default", faults: Any = None) -> Sandbox:
        if faults is not None:
            raise ValueError("fault injection is not available yet: pass faults=None")
        return cls(scenarios.build(scenario))

    @classmethod
    def load(cls, path: str | Path) -> Sandbox:
        """The world saved at `path`; later state changes are saved back there."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("kind") != FILE_KIND or data.get("world", {}).get("schema") != SCHEMA_VERSION:
            raise ValueError(f"{path} is not a byok-tui sandbox world (schema {SCHEMA_VERSION})")
        return cls(from_jsonable(World, data["world"]), state_path=Path(path))

    def save(self, path: str | Path | None = None) -> Path:
        """Write the whole world as one JSON file, atomically, readable only by its owner."""
        target = Path(path) if path else self.state_path
        if target is None:
            raise ValueError("no path given and no state_path set")
        with self._lock:
            write_atomic(target, dump_json({"kind": FILE_KIND, "world": self.world}))
            self._saved_revision = self.world.revision
        return target

    def autosave_to(self, path: str | Path) -> None:
        """Save now and after every request that changes the world."""
        self.state_path = Path(path)
        self.save()

    # ---- what callers use ---------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return self.world.operator.tenant_id

    @property
    def subscription_id(self) -> str:
        return next(
            s.subscription_id for s in self.world.subscriptions.values() if s.tenant_id == self.tenant_id
        )

    @property
    def operator_object_id(self) -> str:
        return self.world.operator_id

    @property
    def operator_ip(self) -> str:
        return self.world.operator.ip

    @property
    def kore_client_id(self) -> str:
        return self.world.kore_client_id

    def credential(self, principal: str | None = None) -> SandboxCredential:
        """A token credential for the operator, or for any principal (object id) in the world."""
        object_id = (principal or self.world.operator_id).lower()
        if self.world.principal(object_id) is None:
            raise ValueError(f"no principal {principal!r} in the sandbox world")
        return SandboxCredential(self.world, self._issuer, object_id)

    def transport(self) -> MemTransport:
        """A fresh azure-core async transport answering from this world (closing it is harmless)."""
        return MemTransport(self.dispatch)

    def connection(self) -> Connection:
        return Connection(
            credential=self.credential(),
            cloud=AZURE_PUBLIC,
            transport_factory=self.transport,
            label="Sandbox",
            operator_object_id=self.operator_object_id,
        )

    # ---- the wire -----------------------------------------------------------------------------------

    def dispatch(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """One request in, one reply out; serialised so clients on other threads cannot interleave."""
        with self._lock:
            return self._dispatch(method, url, headers, body)

    def _dispatch(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        request = parse_request(method, url, headers, body)
        if not url.lower().startswith("https://"):
            raise ServiceRequestError(f"Cannot connect to {url}: the sandbox answers https only.")
        try:
            reply = self._route(request)
        except UnknownVaultHost:
            reply = None
        if reply is None:
            raise ServiceRequestError(
                f"Cannot connect to host {request.host}:443 ssl:default [Name or service not known]"
            )
        self._autosave()
        content = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        return reply.status, reply.headers, content

    def _route(self, request: Any) -> Reply | None:
        if request.host == ARM_HOST:
            return self._arm.handle(request)
        if self._keyvault.serves(request.host):
            return self._keyvault.handle(request)
        return None

    def _autosave(self) -> None:
        if self.state_path is not None and self.world.revision != self._saved_revision:
            self.save()
