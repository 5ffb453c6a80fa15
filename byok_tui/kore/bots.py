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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from byok_tui.connection import Connection
from byok_tui.errors import AuthError, ByokError, InputError
from byok_tui.secret import Secret
from byok_tui.state import AppRef

PAGE_SIZE = 50  # Kore's maximum
MAX_THROTTLE_RETRIES = 4


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

    return AppRef(id=ident.strip(), name=text("name") or ident.strip(), purpose=text("purpose"), status=text("status"))


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
    claims = {"appId": client_id, "sub": "byok-tui", "iat": issued, "exp": issued + 300}
    return jwt.encode(claims, secret.reveal(), algorithm="HS256")


async def list_from_api(
    conn: Connection,
    host: str,
    client_id: str,
    secret: Secret,
    progress: Callable[[str, float | None], None] | None = None,
) -> list[AppRef]:
    """Every app and bot of the account, page by page to the end."""
    import httpx

    from byok_tui.azure.requestlog import HTTPX_HOOKS

    transport = conn.kore_transport_factory() if conn.kore_transport_factory else None
    apps: list[AppRef] = []
    async with httpx.AsyncClient(base_url=f"https://{host}", transport=transport, timeout=30.0,
                                 event_hooks=HTTPX_HOOKS) as http:  # fmt: skip
        page = 0
        while True:
            payload = await _get_page(http, page, client_id, secret)
            found, more, total = parse_page(payload)
            apps += found
            if progress:
                progress(f"Loaded {len(apps)} of {total} apps and bots…", len(apps) / total if total else None)
            if not more or not found:
                return apps
            page += 1


async def _get_page(http: Any, page: int, client_id: str, secret: Secret) -> Any:
    import httpx

    for attempt in range(MAX_THROTTLE_RETRIES + 1):
        try:
            response = await http.get("/api/public/bots", params={"offset": page, "limit": PAGE_SIZE},
                                      headers={"auth": sign(client_id, secret)})  # fmt: skip
        except httpx.HTTPError as e:
            from byok_tui.azure.netdiag import diagnose

            if (network := diagnose(e, str(e.request.url) if _has_request(e) else "")) is not None:
                raise network from e
            raise KoreError(f"Could not reach Kore at {http.base_url.host}", detail=str(e) or type(e).__name__,
                            remedy="Check the Kore host in your profile and the network.") from e  # fmt: skip
        if response.status_code == 429 and attempt < MAX_THROTTLE_RETRIES:
            await asyncio.sleep(min(float(response.headers.get("retry-after", "2") or 2), 30.0))
            continue
        if response.status_code == 401:
            raise AuthError("Kore refused the API credentials", detail=_message(response),
                            remedy="Check the client id and secret of an Admin Console app that may read "
                            "bot definitions (Admin Console > API Scopes).")  # fmt: skip
        if response.status_code >= 400:
            raise KoreError(f"Kore answered {response.status_code}", detail=_message(response),
                            remedy="Retry; if it persists, contact Kore.ai support with the time of the error.",
                            request_id=response.headers.get("x-request-id", ""))  # fmt: skip
        try:
            return response.json()
        except ValueError as e:
            raise KoreError("Kore answered with something that is not JSON") from e
    raise KoreError("Kore kept throttling the bots list", remedy="Wait a minute and try again.")


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
