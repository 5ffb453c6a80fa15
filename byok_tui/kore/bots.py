"""Kore's apps and bots: from the public API (JWT-authenticated, paged) or from an exported file.

Bot records from the API carry `jwtApps` with client secrets. Only id, name, purpose and status survive
parsing, so no secret from a response is ever held, saved or shown.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from byok_tui.connection import Connection
from byok_tui.errors import AuthError, ByokError, InputError
from byok_tui.secret import Secret
from byok_tui.state import AppRef

PAGE_SIZE = 50  # Kore's maximum


class KoreError(ByokError):
    """Kore's platform refused or failed a request. Exit 3."""


def app_ref(record: Any) -> AppRef | None:
    """The four fields the grid needs, or None for something that is not a bot record."""
    if not isinstance(record, dict):
        return None
    ident = record.get("_id") or record.get("id")
    if not isinstance(ident, str) or not ident.strip():
        return None

    def text(key: str) -> str:
        value = record.get(key)
        return value.strip() if isinstance(value, str) else ""

    return AppRef(
        id=ident.strip(), name=text("name") or ident.strip(), purpose=text("purpose"), status=text("status")
    )


def parse_page(payload: Any) -> tuple[list[AppRef], bool, int]:
    """(apps, more pages?, total) from one page of GET /api/public/bots."""
    if not isinstance(payload, dict) or not isinstance(payload.get("bots"), list):
        raise KoreError("Kore answered with something that is not a list of bots",
                        remedy="Check the Kore host in your profile.")  # fmt: skip
    apps = [ref for ref in map(app_ref, payload["bots"]) if ref]
    total = payload.get("total")
    return apps, bool(payload.get("availableMore")), total if isinstance(total, int) else len(apps)


def sign(client_id: str, secret: Secret, now: float | None = None) -> str:
    """The `auth` header: a short-lived HS256 JWT naming the admin app, signed with its secret."""
    import jwt

    issued = int(now if now is not None else time.time())
    # a fresh `jti` every time: an Admin Console app may "Enforce JTI" and refuse a token seen before
    claims = {
        "appId": client_id,
        "sub": "byok-tui",
        "iat": issued,
        "exp": issued + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret.reveal(), algorithm="HS256")


RATE_PER_MINUTE = 60
RATE_PER_HOUR = 1800
"""Kore's documented limits for admin APIs such as Get Bots, per account (Kore's rate-limit page)."""
RATE_LIMIT_MESSAGE = "Rate limit for this API has been reached"
"""What Kore documents for a throttled call; the status and any Retry-After are not documented."""
THROTTLE_WAIT = 60.0
"""How long to wait after a throttle answer without Retry-After: the per-minute window."""
THROTTLE_BUDGET = 15 * 60.0
"""How long to keep riding out throttling before giving up (the hourly window makes waits of minutes)."""


class Pacer:
    """Keeps calls under Kore's per-minute and per-hour limits by waiting before a call that would break
    them. `clock` and `sleep` are injectable so tests can list thousands of bots in no time."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        per_minute: int = RATE_PER_MINUTE,
        per_hour: int = RATE_PER_HOUR,
    ):
        self.clock, self.sleep = clock, sleep
        self.windows = ((60.0, per_minute), (3600.0, per_hour))
        self.sent: list[float] = []

    def delay(self) -> float:
        """Seconds to wait before the next call stays within every window."""
        now = self.clock()
        wait = 0.0
        for span, limit in self.windows:
            recent = [t for t in self.sent if t > now - span]
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + span - now)
        return wait

    async def before_call(self) -> float:
        wait = self.delay()
        if wait > 0:
            await self.sleep(wait)
        self.sent.append(self.clock())
        horizon = self.clock() - 3600.0
        self.sent = [t for t in self.sent if t > horizon]
        return wait


class BotList(list):
    """The apps and bots found, plus whether the listing is known to be complete and why not."""

    complete: bool = True
    note: str = ""


async def list_from_api(
    conn: Connection,
    host: str,
    client_id: str,
    secret: Secret,
    progress: Callable[[str, float | None], None] | None = None,
    *,
    pacer: Pacer | None = None,
) -> BotList:
    """Every app and bot of the account, page by page, paced under Kore's limits.

    Kore's docs describe `offset` three ways across versions (a page number; a record offset; pages to skip,
    at most 10). The client asks by page number, switches to record offsets when the second page shows the
    server counts records, drops `_id`s it has already seen, and stops when `total` is reached or a page adds
    nothing new — saying so when the list may be incomplete."""
    import httpx

    from byok_tui.azure.requestlog import HTTPX_HOOKS

    normalized = normalize_host(host)
    transport = conn.kore_transport_factory() if conn.kore_transport_factory else None
    if pacer is None:  # an in-process sandbox's transport says how to wait (instantly, unless it is the demo)
        pacer = Pacer(*transport.pacing()) if hasattr(transport, "pacing") else Pacer()
    apps = BotList()
    seen: set[str] = set()
    async with httpx.AsyncClient(base_url=f"https://{normalized}", transport=transport, timeout=30.0,
                                 event_hooks=HTTPX_HOOKS) as http:  # fmt: skip
        offset, page, by_record, total, total_known = 0, 0, False, 0, False
        first_ids: list[str] = []
        while True:
            payload = await _get_page(http, offset, client_id, secret, pacer, progress, len(apps))
            if payload is None:  # a later page refused (e.g. a server that allows at most 10 pages to skip)
                found, more = [], True
            else:
                found, more, total = parse_page(payload)
                total_known = isinstance(payload.get("total"), int)
            new = [a for a in found if a.id not in seen]
            if page == 1 and not by_record and len(first_ids) > 1 and found and found[0].id == first_ids[1]:
                by_record = True  # offset=1 started at the second record: the server counts records
            if page == 0:
                first_ids = [a.id for a in found]
            seen.update(a.id for a in new)
            apps += new
            if progress:
                shown = max(total, len(apps))
                progress(
                    f"Loaded {len(apps)} of {shown} apps and bots…", len(apps) / shown if shown else None
                )
            if (total_known and len(apps) >= total) or not more:
                break
            if not new:
                apps.complete = False
                apps.note = (f"Kore's pages stopped adding new apps after {len(apps):,} of {total:,}: the list "
                             "may be incomplete. Check the count in the Kore admin console, or export the "
                             "list there and use the file source.")  # fmt: skip
                break
            page += 1
            offset = len(apps) if by_record else page
    if apps.complete and total_known and total > len(apps):
        apps.complete = False
        apps.note = f"Kore said {total:,} apps and bots but listed {len(apps):,}: the list may be incomplete."
    if progress and apps.note:
        progress(apps.note, 1.0)
    return apps


def normalize_host(text: str) -> str:
    """The host in Kore's "Environment URL" as people paste it: `https://platform.kore.ai/` → `platform.kore.ai`."""
    from byok_tui.validate import normalize_kore_host

    return normalize_kore_host(text)


def is_throttled(response: Any) -> bool:
    """429, or Kore's documented message (its throttle status is not documented)."""
    if response.status_code == 429:
        return True
    return response.status_code >= 400 and RATE_LIMIT_MESSAGE.lower() in response.text.lower()


async def _get_page(
    http: Any, offset: int, client_id: str, secret: Secret, pacer: Pacer,
    progress: Callable[[str, float | None], None] | None, loaded: int,
) -> Any:  # fmt: skip
    import httpx

    throttled_for = 0.0
    while True:
        if progress and (wait := pacer.delay()) >= 1:
            progress(f"Pacing under Kore's limit of {RATE_PER_MINUTE} calls a minute: waiting {int(wait)} s "
                     f"after {loaded:,} apps and bots…", None)  # fmt: skip
        await pacer.before_call()
        try:
            response = await http.get("/api/public/bots", params={"offset": offset, "limit": PAGE_SIZE},
                                      headers={"auth": sign(client_id, secret)})  # fmt: skip
        except httpx.HTTPError as e:
            from byok_tui.azure.netdiag import diagnose

            if (network := diagnose(e, str(e.request.url) if _has_request(e) else "")) is not None:
                raise network from e
            raise KoreError(f"Could not reach Kore at {http.base_url.host}", detail=str(e) or type(e).__name__,
                            remedy="Check the Kore Environment URL (host) in your profile and the network.") from e  # fmt: skip
        if is_throttled(response):
            wait = _retry_after(response) or THROTTLE_WAIT
            if throttled_for + wait > THROTTLE_BUDGET:
                raise KoreError("Kore kept throttling the bots list", detail=_message(response),
                                remedy=f"Kore allows {RATE_PER_MINUTE} calls a minute and {RATE_PER_HOUR} an hour "
                                "per account; wait and try again, or export the list in the admin console.")  # fmt: skip
            if progress:
                progress(f"Kore's rate limit reached after {loaded:,} apps and bots; waiting {int(wait)} s "
                         "before going on…", None)  # fmt: skip
            await pacer.sleep(wait)
            throttled_for += wait
            continue
        if response.status_code in (401, 403):
            raise AuthError(
                "Kore refused the API credentials" if response.status_code == 401
                else "Kore's API app may not list bots",
                detail=_message(response), remedy=SCOPE_REMEDY,
            )  # fmt: skip
        if response.status_code == 400 and offset > 0:
            return None  # the first page worked: this offset is past what the server lets us ask for
        if response.status_code >= 400:
            raise KoreError(f"Kore answered {response.status_code}", detail=_message(response),
                            remedy="Retry; if it persists, contact Kore.ai support with the time of the error.",
                            request_id=response.headers.get("x-request-id", ""))  # fmt: skip
        try:
            return response.json()
        except ValueError as e:
            raise KoreError("Kore answered with something that is not JSON") from e


SCOPE_REMEDY = (
    "Use the client id and secret of an app created in the Kore Admin Console (Security & Control > "
    "API Scopes), not in a bot's dev tools, with the scope Profile Management > Role Management. If the app "
    "enforces JTI, every call needs a fresh jti: byok-tui sends one."
)


def _retry_after(response: Any) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "") or 0))
    except ValueError:
        return 0.0


def _message(response: Any) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(str(e.get("msg", "")) for e in errors if isinstance(e, dict)) or response.text[:200]
    except (ValueError, AttributeError):
        return response.text[:200]


EXPECTED_FILE = (
    'expected the bots list exported from Kore.ai: JSON (a list of bots, or {"bots": [...]}, each with an '
    '"_id") or CSV whose first row names an id column (id or _id), e.g. "id,name"'
)
"""What an apps file must be, said wherever one is refused."""


def load_file(path: str | Path) -> list[AppRef]:
    """Apps and bots from an exported file: JSON (a list, or {"bots": [...]}) or CSV with an id column."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError("apps.file", f"cannot read {p}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError("apps.file", f"{p} is not UTF-8 text") from e
    if p.suffix.lower() == ".csv" or not text.lstrip().startswith(("[", "{")):
        return _from_csv(text, p)
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InputError("apps.file", f"{p} is not valid JSON ({e}); {EXPECTED_FILE}") from e
    records = data.get("bots", data.get("apps")) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputError("apps.file", 'expected a JSON list of bots, or an object with a "bots" list')
    return _unique([ref for ref in map(app_ref, records) if ref], p)


def _from_csv(text: str, p: Path) -> list[AppRef]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if not fields & {"id", "_id"}:
        if p.suffix.lower() != ".csv":  # neither JSON nor a CSV header: say what the file should be
            raise InputError("apps.file", f"{p} is not an apps and bots export; {EXPECTED_FILE}")
        header = ", ".join(sorted(f for f in fields if f)) or "nothing"
        raise InputError("apps.file", f"{p} has no id column (its first row names {header}); {EXPECTED_FILE}")
    rows = ({(k or "").strip().lower(): v for k, v in row.items()} for row in reader)
    return _unique([ref for ref in map(app_ref, rows) if ref], p)


def _unique(apps: list[AppRef], p: Path) -> list[AppRef]:
    seen: set[str] = set()
    for app in apps:
        if app.id in seen:
            raise InputError("apps.file", f"{p} lists the id {app.id} twice")
        seen.add(app.id)
    if not apps:
        raise InputError("apps.file", f"{p} lists no apps or bots")
    return apps


def _has_request(exc: Exception) -> bool:
    try:
        return exc.request is not None  # type: ignore[attr-defined]
    except RuntimeError:  # httpx raises when no request is attached
        return False
