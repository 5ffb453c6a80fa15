"""Injected failures: throttling, 5xx, dropped connections, latency, slow RBAC propagation.

A SPEC is a comma-separated list of `kind[:service]=value`:

    throttle=0.2                 every service answers 20 % of requests with 429 (Retry-After where the
                                 service sends one)
    error:arm=0.1                ARM answers 10 % of requests with 503
    drop:keyvault=0.05           5 % of Key Vault requests lose their connection
    latency:graph=150ms          every Graph request takes 150 ms longer (also `1.5s`, or plain seconds)
    rbac-delay=20s               new role assignments count on the data plane after 20 s
    kore-limits=on               Kore's Get Bots answers the documented throttle past 60 calls a minute or 1,800
                                 an hour per account (`byok-tui demo` turns it on)
    vault-dns=30s                a new vault answers `provisioningState: RegisteringDns` for 30 s (Azure takes
                                 about that long; `byok-tui demo` uses 30 s, the default is 0: Succeeded at
                                 the first poll)
    token-lifetime=60            access tokens live 60 s (also `90s`, `2m`) instead of an hour: `expires_in`
                                 and `exp` from the token endpoint and from the in-process credential, so
                                 clients must refresh (the services refuse expired tokens)
    seed=7                       which requests fail (default 0): the same seed, the same failures

Services: `login` (Entra ID: the token endpoint on the wire and the in-process credential's token requests), `arm`, `keyvault`, `graph`, `kore`; without one a kind
applies to all five. A service-specific entry beats the general one, whatever the order.

Decisions are drawn per service from a generator seeded with (seed, service, request number), so a run is
repeatable and one service's traffic never shifts another's failures. A faulted request is refused before
the emulated service sees it: it never changes the world.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

KINDS = (
    "throttle",
    "error",
    "drop",
    "latency",
    "rbac-delay",
    "vault-dns",
    "kore-limits",
    "token-lifetime",
    "seed",
)
_WHOLE_SANDBOX = ("rbac-delay", "vault-dns", "kore-limits", "token-lifetime", "seed")
"""Kinds that take no service."""
SERVICES = ("login", "arm", "keyvault", "graph", "kore")
_PROBABILITY_KINDS = ("drop", "error", "throttle")
"""In the order a single draw is compared against them."""
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>ms|s|m)?$", re.IGNORECASE)


def _per_service() -> dict[str, float]:
    return dict.fromkeys(SERVICES, 0.0)


@dataclass
class Faults:
    """A parsed SPEC: probabilities and latencies for every service, plus the RBAC delay and the seed."""

    throttle: dict[str, float] = field(default_factory=_per_service)
    error: dict[str, float] = field(default_factory=_per_service)
    drop: dict[str, float] = field(default_factory=_per_service)
    latency: dict[str, float] = field(default_factory=_per_service)
    """Seconds added to every request of the service."""
    rbac_delay: float | None = None
    """Seconds before a new role assignment counts on the Key Vault data plane (None: the world's setting)."""
    kore_limits: bool | None = None
    """Kore's documented rate limits for Get Bots (60 a minute, 1,800 an hour per account) on or off."""
    vault_dns: float | None = None
    """Seconds a new vault stays `RegisteringDns` (None: the world's setting, 0)."""
    token_lifetime: int | None = None
    """Seconds an access token lives (None: the world's setting, an hour)."""
    seed: int = 0
    spec: str = ""
    """The text it was parsed from."""

    def probability(self, kind: str, service: str) -> float:
        return float(getattr(self, kind)[service])

    def __str__(self) -> str:
        return self.spec


def parse_faults(spec: str) -> Faults:
    """Parse a SPEC (see the module docstring); `ValueError` names the part that is wrong and why."""
    faults = Faults(spec=spec.strip())
    seen: set[tuple[str, str]] = set()
    general: dict[str, float] = {}
    specific: dict[tuple[str, str], float] = {}
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise ValueError(f"fault {part!r}: expected kind[:service]=value, for example throttle:arm=0.2")
        kind, colon, service = (s.strip().lower() for s in key.partition(":"))
        value = value.strip()
        if kind not in KINDS:
            raise ValueError(f"fault {part!r}: unknown kind {kind!r} (choose one of {', '.join(KINDS)})")
        if colon and not service:
            raise ValueError(f"fault {part!r}: a service must follow the ':' ({', '.join(SERVICES)})")
        if service and kind in _WHOLE_SANDBOX:
            raise ValueError(f"fault {part!r}: {kind} applies to the whole sandbox and takes no service")
        if service and service not in SERVICES:
            raise ValueError(
                f"fault {part!r}: unknown service {service!r} (choose one of {', '.join(SERVICES)})"
            )
        if (kind, service) in seen:
            raise ValueError(f"fault {part!r}: {kind}{':' + service if service else ''} is given twice")
        seen.add((kind, service))
        if kind == "seed":
            faults.seed = _seed(part, value)
        elif kind == "rbac-delay":
            faults.rbac_delay = _duration(part, value)
        elif kind == "kore-limits":
            if value.lower() not in ("on", "off"):
                raise ValueError(f"fault {part!r}: kore-limits is on or off")
            faults.kore_limits = value.lower() == "on"
        elif kind == "vault-dns":
            faults.vault_dns = _duration(part, value)
        elif kind == "token-lifetime":
            faults.token_lifetime = _lifetime(part, value)
        else:
            number = _duration(part, value) if kind == "latency" else _probability(part, value)
            if service:
                specific[(kind, service)] = number
            else:
                general[kind] = number
    for kind, number in general.items():
        getattr(faults, kind).update(dict.fromkeys(SERVICES, number))
    for (kind, service), number in specific.items():
        getattr(faults, kind)[service] = number
    for service in SERVICES:
        total = sum(faults.probability(kind, service) for kind in _PROBABILITY_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"faults for {service}: throttle, error and drop add up to {total:g}, more than 1 "
                "(each request fails at most one way)"
            )
    return faults


def as_faults(value: str | Faults | None) -> Faults | None:
    """What `Sandbox.create(faults=…)` accepts: None, a SPEC string, or a parsed `Faults`."""
    if value is None or isinstance(value, Faults):
        return value
    if isinstance(value, str):
        return parse_faults(value) if value.strip() else None
    raise TypeError(f"faults must be a SPEC string or a Faults object, not {type(value).__name__}")


def _probability(part: str, text: str) -> float:
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"fault {part!r}: {text!r} is not a probability between 0 and 1 (or 0% to 100%)")
    return number


def _duration(part: str, text: str) -> float:
    m = _DURATION.match(text)
    if m is None:
        raise ValueError(f"fault {part!r}: {text!r} is not a duration such as 150ms, 1.5s, 2m or 20")
    number = float(m["n"])
    unit = (m["unit"] or "s").lower()
    return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


def _lifetime(part: str, text: str) -> int:
    seconds = int(_duration(part, text))
    if seconds < 1:
        raise ValueError(f"fault {part!r}: a token must live at least one second, not {text!r}")
    return seconds


def _seed(part: str, text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"fault {part!r}: the seed must be a whole number of 0 or more, not {text!r}")
    return int(text)


@dataclass
class FaultEvent:
    service: str
    number: int
    """The service's request number, from 0."""
    kind: str
    """`throttle`, `error` or `drop`."""


class FaultInjector:
    """Decides, request by request, whether a service fails; deterministic for a given seed."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self._counters = dict.fromkeys(SERVICES, 0)
        self._lock = threading.Lock()
        self.events: list[FaultEvent] = []
        """Every injected failure so far, in order (for tests and the demo's log)."""

    def latency(self, service: str) -> float:
        return self.faults.latency[service]

    def decide(self, service: str) -> str | None:
        """`throttle`, `error`, `drop` or None for the next request of `service`."""
        with self._lock:
            number = self._counters[service]
            self._counters[service] = number + 1
            draw = random.Random(f"{self.faults.seed}/{service}/{number}").random()
            threshold = 0.0
            for kind in _PROBABILITY_KINDS:
                threshold += self.faults.probability(kind, service)
                if draw < threshold:
                    self.events.append(FaultEvent(service, number, kind))
                    return kind
            return None
