"""`Sandbox`: the public face of the emulator — a world, credentials for its principals, and transports.

Requests are routed by host, as DNS would: `login.microsoftonline.com` to Entra ID, `management.azure.com` to
ARM, `{vault}.vault.azure.net` to the Key Vault data plane of a live vault, `graph.microsoft.com` to Microsoft
Graph, the Kore host to Kore's public API; anything else fails like an unresolvable name. Injected faults (`faults=`) act here, in front of every
service, so a faulted request never reaches the world.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any

from azure.core.exceptions import ServiceRequestError

from byok_tui.clouds import AZURE_PUBLIC
from byok_tui.connection import Connection
from byok_tui.profile import Profile
from byok_tui.sandbox import scenarios
from byok_tui.sandbox.arm import ARM_HOST, ArmService
from byok_tui.sandbox.credential import SandboxCredential
from byok_tui.sandbox.entra import EntraService, PendingSignIn, derived_client_secret
from byok_tui.sandbox.faults import FaultEvent, FaultInjector, Faults, as_faults
from byok_tui.sandbox.graph import GRAPH_HOST, GraphService
from byok_tui.sandbox.keyvault_data import KeyVaultService, UnknownVaultHost
from byok_tui.sandbox.kore import KoreService
from byok_tui.sandbox.persist import dump_json, from_jsonable, write_atomic
from byok_tui.sandbox.router import Reply, Request, parse_request
from byok_tui.sandbox.tokens import AZURE_CLI_APP_ID, TokenIssuer
from byok_tui.sandbox.transport import (
    ConnectionDropped,
    HostUnreachable,
    HttpxTransport,
    MemTransport,
    SyncMemTransport,
    Wire,
)
from byok_tui.sandbox.world import SCHEMA_VERSION, World
from byok_tui.secret import Secret

FILE_KIND = "byok-tui-sandbox-world"
GRAPH_BASE_URL = f"https://{GRAPH_HOST}/v1.0"


class Sandbox:
    """An in-process Azure (and Kore) for one tenant. Build it with `create` or `load`; never share a world
    between two Sandbox objects (each signs its tokens with its own in-memory secret).

    `faults`: None, a SPEC string (see `parse_faults`) or a parsed `Faults`. `realtime`: retry and polling
    waits of the Azure SDKs (`transport.sleep`) really wait — for the demo; tests leave it False so they
    return at once. Injected latency always really waits."""

    def __init__(
        self,
        world: World,
        *,
        state_path: Path | None = None,
        faults: str | Faults | None = None,
        realtime: bool = False,
    ):
        if not world.kore.host:  # a world saved before Kore was emulated
            world.kore = scenarios.kore_account()
        self.world = world
        self._issuer = TokenIssuer(os.urandom(32))
        self._arm = ArmService(world, self._issuer)
        self._keyvault = KeyVaultService(world, self._issuer)
        self._graph = GraphService(world, self._issuer)
        self._kore = KoreService(world)
        self._entra = EntraService(world, self._issuer)
        self.state_path: Path | None = Path(state_path) if state_path else None
        self._saved_revision = world.revision
        self._lock = threading.RLock()
        self.realtime = realtime
        self.slept: list[float] = []
        """Every wait asked of `sleep` (the connection's), in order: what a test of a retry reads."""
        self.faults: Faults | None = as_faults(faults)
        self._injector = FaultInjector(self.faults) if self.faults else None
        if self.faults is not None and self.faults.rbac_delay is not None:
            world.rbac_delay_override = self.faults.rbac_delay
        if self.faults is not None and self.faults.kore_limits is not None:
            world.kore_limits_override = self.faults.kore_limits
        if self.faults is not None and self.faults.vault_dns is not None:
            world.vault_dns_override = self.faults.vault_dns
        if self.faults is not None and self.faults.token_lifetime is not None:
            world.token_lifetime_override = self.faults.token_lifetime

    # ---- construction and persistence -------------------------------------------------------------

    @classmethod
    def create(
        cls, scenario: str = "default", faults: str | Faults | None = None, *, realtime: bool = False
    ) -> Sandbox:
        """A fresh world from a named scenario (`scenarios.SCENARIOS`); a bad SPEC raises ValueError."""
        faults = as_faults(faults)  # parse before building: a bad SPEC fails fast
        return cls(scenarios.build(scenario), faults=faults, realtime=realtime)

    @classmethod
    def load(cls, path: str | Path, faults: str | Faults | None = None, *, realtime: bool = False) -> Sandbox:
        """The world saved at `path`; later state changes are saved back there."""
        faults = as_faults(faults)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("kind") != FILE_KIND or data.get("world", {}).get("schema") != SCHEMA_VERSION:
            raise ValueError(f"{path} is not a byok-tui sandbox world (schema {SCHEMA_VERSION})")
        return cls(
            from_jsonable(World, data["world"]), state_path=Path(path), faults=faults, realtime=realtime
        )

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
        """Application (client) id of Kore's multi-tenant Entra app."""
        return self.world.kore_client_id

    @property
    def kore_service_principal_id(self) -> str | None:
        """Object id of Kore's service principal in the tenant, once consent or Graph created it."""
        sp = self.world.service_principal_for(self.kore_client_id, self.tenant_id)
        return sp.object_id if sp else None

    @property
    def graph_base_url(self) -> str:
        return GRAPH_BASE_URL

    @property
    def kore_host(self) -> str:
        return self.world.kore.host

    @property
    def kore_base_url(self) -> str:
        return f"https://{self.world.kore.host}"

    @property
    def kore_api_client_id(self) -> str:
        """Client id of the Kore admin-console JWT app that may call the bots API (`cs-…`)."""
        return self.world.kore.api_apps[0].client_id

    @property
    def kore_api_client_secret(self) -> str:
        """Its client secret: the HS256 key of the `auth` JWT. A sandbox value, kept in the world file."""
        return self.world.kore.api_apps[0].client_secret

    @property
    def fault_events(self) -> list[FaultEvent]:
        """Every failure injected so far, in order."""
        return self._injector.events if self._injector else []

    def credential(self, principal: str | None = None) -> SandboxCredential:
        """A token credential for the operator, or for any principal (object id) in the world."""
        # An unknown or deleted principal gets a credential all the same: like Entra, it is refused when
        # it asks for a token (AADSTS50034), which is where a wizard run would meet the problem.
        object_id = (principal or self.world.operator_id).lower()
        return SandboxCredential(self.world, self._issuer, object_id, self._injector)

    # ---- Entra ID: signing in over the wire ---------------------------------------------------------

    def automation_client(self) -> tuple[str, str, Secret]:
        """(tenant id, client id, client secret) of the scenario's automation service principal, for the
        environment method (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET). The world keeps only the
        secret's hash; the value is derived from the world's seed, so a saved world hands out the same one."""
        sp = self.world.principal(scenarios.AUTOMATION_SP_ID)
        app = self.world.applications.get(scenarios.AUTOMATION_CLIENT_ID)
        if sp is None or app is None or not app.password_credentials:
            raise LookupError("this sandbox world has no automation service principal")
        key_id = app.password_credentials[0].key_id
        return sp.tenant_id, app.app_id, Secret(derived_client_secret(self.world.seed, key_id))

    def approve_device_code(self, user_code: str, principal: str | None = None) -> PendingSignIn:
        """Finish a device-code sign-in as `principal` (object id; default the operator), as if they had
        entered `user_code` at microsoft.com/devicelogin. The polling client gets its tokens on its next
        poll. `ValueError` for a code nobody is waiting on, an expired one, or a principal of another tenant."""
        with self._lock:
            return self._entra.approve(user_code, (principal or self.world.operator_id).lower())

    def decline_device_code(self, user_code: str) -> PendingSignIn:
        """Refuse a device-code sign-in: its client hears `authorization_declined` on its next poll."""
        with self._lock:
            return self._entra.decline(user_code)

    def pending_device_codes(self) -> list[PendingSignIn]:
        """Device-code sign-ins waiting for someone to approve them (user code, expiry, client), oldest first."""
        with self._lock:
            return self._entra.pending()

    def issue_refresh_token(self, principal: str | None = None, client_id: str = AZURE_CLI_APP_ID) -> str:
        """A refresh token for a user (default the operator) signed in through `client_id` (default the
        Azure CLI), as `az login` would keep: redeem it at the token endpoint with a `refresh_token` grant.
        The world stores only its hash (it survives save/load); never log the returned value."""
        with self._lock:
            user = self.world.principal((principal or self.world.operator_id).lower())
            if user is None or user.kind != "User":
                raise ValueError(f"{principal!r} is not a user of the sandbox world")
            token = self._entra.issue_refresh_token(user, client_id)
            self._autosave()
            return token

    # ---- transports ---------------------------------------------------------------------------------

    def transport(self) -> MemTransport:
        """A fresh azure-core async transport answering from this world (closing it is harmless)."""
        return MemTransport(self.exchange, realtime=lambda: self.realtime)

    def sync_transport(self) -> SyncMemTransport:
        """A fresh azure-core *sync* transport on the same wire, faults included: for azure-identity's sync
        credentials (DeviceCodeCredential hands it to MSAL). Do not call it from the sandbox's own thread."""
        return SyncMemTransport(self.exchange)

    def graph_transport(self) -> HttpxTransport:
        """A fresh httpx async transport for msgraph-sdk (see docs/sandbox.md for the client wiring)."""
        return HttpxTransport(self.exchange)

    def kore_transport(self) -> HttpxTransport:
        """A fresh httpx async transport for Kore's public API at `kore_base_url` (`.pacing()` gives a pacing
        client its clock and sleep: real under `realtime`, instant otherwise)."""
        return HttpxTransport(self.exchange, realtime=lambda: self.realtime, waited=self._kore.waited)

    async def sleep(self, seconds: float) -> None:
        """The connection's wait (`Connection.sleep`): real under `realtime` (the demo), otherwise only a yield
        to the loop, as `MemTransport.sleep` is for azure-core's waits; recorded in `slept` either way."""
        self.slept.append(float(seconds))
        await asyncio.sleep(float(seconds) if self.realtime else 0)

    def profile(self) -> Profile:
        """What Kore support would ship for this world: its app, host and egress ranges."""
        return Profile(kore_client_id=self.kore_client_id, kore_app_name=scenarios.KORE_APP_NAME,
                       kore_host=self.kore_host, kore_ip_ranges=scenarios.KORE_IP_RANGES,
                       cloud=AZURE_PUBLIC.name)  # fmt: skip

    def connection(self) -> Connection:
        return Connection(
            credential=self.credential(),
            cloud=AZURE_PUBLIC,
            transport_factory=self.transport,
            graph_transport_factory=self.graph_transport,
            kore_transport_factory=self.kore_transport,
            label="Sandbox",
            operator_object_id=self.operator_object_id,
            impersonate=self.credential,
            kore_api_client=(self.kore_api_client_id, Secret(self.kore_api_client_secret)),
            sleep=self.sleep,
        )

    # ---- the wire -----------------------------------------------------------------------------------

    async def exchange(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Wire:
        """One request in, one reply out, with the injected faults (latency really waits). Raises
        `HostUnreachable` / `ConnectionDropped`, which each transport turns into its stack's exception."""
        request = parse_request(method, url, headers, body)
        if not url.lower().startswith("https://"):
            raise HostUnreachable(request.host, f"Cannot connect to {url}: the sandbox answers https only.")
        name = self._service_name(request.host)
        if name is None:
            raise HostUnreachable(request.host)
        if self._injector is not None:
            delay = self._injector.latency(name)
            if delay:
                await asyncio.sleep(delay)
            kind = self._injector.decide(name)
            if kind == "drop":
                raise ConnectionDropped(request.host)
            if kind is not None:
                with self._lock:
                    return self._wire(self._fault_reply(name, kind, request))
        with self._lock:
            return self._serve(request)

    def dispatch(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Wire:
        """`exchange` without faults, synchronous; an unknown host raises ServiceRequestError."""
        request = parse_request(method, url, headers, body)
        if not url.lower().startswith("https://"):
            raise ServiceRequestError(f"Cannot connect to {url}: the sandbox answers https only.")
        if self._service_name(request.host) is None:
            raise ServiceRequestError(str(HostUnreachable(request.host)))
        with self._lock:
            try:
                return self._serve(request)
            except HostUnreachable as err:
                raise ServiceRequestError(str(err)) from None

    def serves_host(self, host: str) -> str:
        """What a DNS lookup of `host` would find, for the served face: "served" (an emulated host),
        "unresolvable" (a vault name with no vault: Azure's DNS has no record) or "foreign" (not emulated)."""
        host = host.lower()
        if self._service_name(host) is not None:
            return "served"
        return "unresolvable" if self._keyvault.serves(host) else "foreign"

    def _service_name(self, host: str) -> str | None:
        if self._entra.serves(host):
            return "login"
        if host == ARM_HOST:
            return "arm"
        if self._keyvault.serves(host):
            return "keyvault" if self.world.vault_by_host(host) is not None else None
        if self._graph.serves(host):
            return "graph"
        if self._kore.serves(host):
            return "kore"
        return None

    def _serve(self, request: Request) -> Wire:
        service: Any = self._services().get(self._service_name(request.host) or "")
        if service is None:
            raise HostUnreachable(request.host)
        try:
            reply = service.handle(request)
        except UnknownVaultHost:
            raise HostUnreachable(request.host) from None
        self._autosave()
        return self._wire(reply)

    def _fault_reply(self, name: str, kind: str, request: Request) -> Reply:
        service: Any = self._services()[name]
        try:
            return service.fault_reply(kind, request)
        except UnknownVaultHost:
            raise HostUnreachable(request.host) from None

    def _services(self) -> dict[str, Any]:
        """Service objects by fault-service name (faults.SERVICES)."""
        return {
            "login": self._entra,
            "arm": self._arm,
            "keyvault": self._keyvault,
            "graph": self._graph,
            "kore": self._kore,
        }

    @staticmethod
    def _wire(reply: Reply) -> Wire:
        content = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        return reply.status, reply.headers, content

    def _autosave(self) -> None:
        if self.state_path is not None and self.world.revision != self._saved_revision:
            self.save()
