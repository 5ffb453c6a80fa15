"""Kore.ai's public bots API: `GET https://{host}/api/public/bots?offset=&limit=` with an `auth` JWT.

Kore's admin APIs authenticate a JWT app from the admin console: the caller signs `{"appId": clientId, …}`
with HS256 under the app's client secret and sends it in the `auth` header (Kore's docs: "only HS256 is
allowed" for API-scope apps). The reply pages with `total` and `availableMore`; `limit` is at most 50.
Bot records follow the documented sample, `jwtApps` secrets included — the client must drop them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import uuid
from typing import Any

from byok_tui.sandbox.errors import ApiError
from byok_tui.sandbox.router import Reply, Request
from byok_tui.sandbox.tokens import b64url_decode
from byok_tui.sandbox.world import KoreApiApp, World

KORE_HOST = "bots.kore.ai.sandbox"
"""Where the sandbox's Kore platform answers (`https://bots.kore.ai.sandbox`): shaped like Kore's
`bots.kore.ai`, under a name that can never resolve on the real internet."""
MAX_LIMIT = 50
THROTTLE_RETRY_AFTER = 2
RATE_LIMITS = ((60.0, 60), (3600.0, 1800))
"""Kore's "DesignTime Admin API limits" (Get Bots is an admin API): 60 a minute, 1,800 an hour, per account."""
RATE_LIMIT_MESSAGE = "Rate limit for this API has been reached. Please try again later"
"""Kore documents only this text; the status (429 here) and the absence of Retry-After are the sandbox's."""
ROLE_MANAGEMENT = "Role Management"
"""The API scope Get Bots needs (Kore's docs: Profile Management > Role Management)."""
MAX_SKIP = 10
"""For `kore_offset = "skip"`: one version of Kore's docs caps `offset` at 10."""


def kore_error(
    status: int, message: str, code: int | None = None, headers: dict[str, str] | None = None
) -> ApiError:
    return ApiError(
        status, {"errors": [{"msg": message, "code": code if code is not None else status}]}, headers
    )


def _bad_credentials() -> ApiError:
    # The text and code Kore answers for a JWT it cannot verify (community.kore.ai, "Introducing API Scopes").
    return kore_error(401, "Invalid SDK credentials", 4002)


class KoreService:
    def __init__(self, world: World):
        self.world = world
        self.calls: list[float] = []
        """When each Get Bots call of the account arrived (world time), for the rate limits."""
        self.skew = 0.0
        """Seconds clients waited on an instant sandbox transport (not the demo): Kore's rate windows count them
        as passed, so a paced client is not throttled although no real time went by."""
        self.jtis: set[str] = set()
        """`jti`s already used, for apps that enforce JTI (in memory: a restart forgets them)."""

    def serves(self, host: str) -> bool:
        return bool(self.world.kore.host) and host == self.world.kore.host.lower()

    def handle(self, request: Request) -> Reply:
        try:
            reply = self._handle(request)
        except ApiError as err:
            reply = Reply(err.status, err.body, dict(err.headers))
        return self.stamp(reply)

    def _handle(self, request: Request) -> Reply:
        segments = [s for s in request.segments if s != ""]
        if [s.lower() for s in segments] != ["api", "public", "bots"]:
            raise kore_error(404, f"Cannot {request.method} {request.path}")
        if request.method != "GET":
            raise kore_error(405, f"Method {request.method} is not allowed on {request.path}")
        app = self._authenticate(request)
        if ROLE_MANAGEMENT not in app.scopes:
            raise kore_error(403, "You are not authorized to access this API", 403)
        if self.world.kore_rate_limits:
            self._throttle()
        return self._list_bots(request)

    def waited(self, seconds: float) -> None:
        self.skew += seconds

    def _throttle(self) -> None:
        now = self.world.now() + self.skew
        self.calls = [t for t in self.calls if t > now - 3600.0]
        for span, limit in RATE_LIMITS:
            if sum(1 for t in self.calls if t > now - span) >= limit:
                raise kore_error(429, RATE_LIMIT_MESSAGE)
        self.calls.append(now)

    def _authenticate(self, request: Request) -> KoreApiApp:
        token = request.header("auth").strip()
        if not token:
            raise _bad_credentials()
        parts = token.split(".")
        if len(parts) != 3:
            raise _bad_credentials()
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
        except (ValueError, UnicodeDecodeError):
            raise _bad_credentials() from None
        if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "HS256":
            raise _bad_credentials()
        app = self.world.kore.api_app(str(claims.get("appId", "")))
        if app is None:
            raise _bad_credentials()
        expected = hmac.new(
            app.client_secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256
        ).digest()
        try:
            signature = b64url_decode(parts[2])
        except ValueError:
            raise _bad_credentials() from None
        if not hmac.compare_digest(expected, signature):
            raise _bad_credentials()
        if "exp" in claims and float(claims["exp"]) <= self.world.now():
            raise kore_error(401, "Token expired", 4001)
        if app.enforce_jti:
            jti = claims.get("jti")
            if not isinstance(jti, str) or not jti or jti in self.jtis:
                raise kore_error(401, "Invalid or reused jti", 4003)
            self.jtis.add(jti)
        return app

    def _list_bots(self, request: Request) -> Reply:
        offset = _whole(request.query.get("offset"), "offset", default=0)
        limit = _whole(request.query.get("limit"), "limit", default=MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise kore_error(400, f"limit must be between 1 and {MAX_LIMIT}")
        bots = self.world.kore.bots
        mode = self.world.settings.kore_offset
        if mode == "record":  # "the number from which to start"
            start = offset
        elif mode == "skip" and offset > MAX_SKIP:  # "pages to skip", at most 10
            raise kore_error(400, f"offset must be at most {MAX_SKIP}")
        else:  # offset counts pages of `limit` bots ("the page number")
            start = offset * limit
        page = bots[start : start + limit]
        body = {"total": len(bots), "availableMore": start + limit < len(bots), "bots": page}
        return Reply(200, json.loads(json.dumps(body)))

    def fault_reply(self, kind: str, request: Request) -> Reply:
        if kind == "throttle":
            err = kore_error(
                429,
                "Too many requests. Please try again later.",
                headers={"Retry-After": str(THROTTLE_RETRY_AFTER)},
            )
        else:
            err = kore_error(503, "Service Unavailable")
        return self.stamp(Reply(err.status, err.body, dict(err.headers)))

    def stamp(self, reply: Reply) -> Reply:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Request-Id": self.world.new_request_id(),
        }
        headers.update(reply.headers)
        reply.headers = headers
        return reply


def _whole(text: str | None, name: str, *, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit():
        raise kore_error(400, f"{name} must be a whole number of 0 or more")
    return int(text)


# ---- the sandbox's own bots ----------------------------------------------------------------------------

_AREAS = (
    ("HR Assistant", "employee", "Answers HR policy questions and files leave requests."),
    ("IT Helpdesk", "employee", "Resets passwords, unlocks accounts and raises IT tickets."),
    ("Claims Concierge", "customer", "Takes first notice of loss and reports claim status."),
    ("Billing Support", "customer", "Explains invoices, takes payments and sets up payment plans."),
    ("Travel Desk", "employee", "Books business travel within policy and answers expense questions."),
    ("Onboarding Guide", "employee", "Walks new joiners through their first weeks."),
    ("Benefits Advisor", "employee", "Explains health, pension and leave benefits."),
    ("Payroll Helper", "employee", "Answers payslip and tax-withholding questions."),
    ("Order Status", "customer", "Tracks orders and deliveries."),
    ("Returns Agent", "customer", "Starts returns and exchanges and issues return labels."),
    ("Loyalty Rewards", "customer", "Reports points balances and redeems rewards."),
    ("Appointment Scheduler", "customer", "Books, moves and cancels appointments."),
    ("Card Services", "customer", "Blocks lost cards, raises disputes and explains card fees."),
    ("Mortgage Advisor", "customer", "Pre-qualifies applicants and explains mortgage products."),
    ("Facilities Desk", "employee", "Books rooms and reports building issues."),
    ("Procurement Assistant", "employee", "Raises purchase requests and tracks approvals."),
    ("Security Desk", "employee", "Registers visitors and reports security incidents."),
    ("Field Service", "customer", "Schedules technician visits and reports outages."),
    ("Store Locator", "customer", "Finds stores, opening hours and stock."),
    ("Warranty Desk", "customer", "Registers products and handles warranty claims."),
)
_REGIONS = ("", " EU", " UK", " APAC", " Canada", " LATAM")
_EPOCH = dt.datetime(2023, 3, 1, 9, 0, tzinfo=dt.UTC)


def _stamp_ms(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_bots(
    count: int, account_id: str, *, brand: str = "Contoso", seed: str = "kore-bots"
) -> list[dict[str, Any]]:
    """`count` realistic bot records; bot `i` is the same in every world (so screens stay comparable)."""
    creators = [f"u-{_uuid(random.Random(f'{seed}/creator/{n}'))}" for n in range(4)]
    bots = []
    for i in range(count):
        rng = random.Random(f"{seed}/{i}")
        area, purpose, description = _AREAS[i % len(_AREAS)]
        region = _REGIONS[(i // len(_AREAS)) % len(_REGIONS)]
        name = f"{brand} {area}{region}"
        if i >= len(_AREAS) * len(_REGIONS):
            name += f" {i // (len(_AREAS) * len(_REGIONS)) + 1}"
        created = _EPOCH + dt.timedelta(
            days=i * 0.37 % 900, seconds=rng.randrange(86400), milliseconds=rng.randrange(1000)
        )
        modified = created + dt.timedelta(
            days=rng.randrange(1, 200), seconds=rng.randrange(86400), milliseconds=rng.randrange(1000)
        )
        status = "published" if rng.random() < 0.6 else "configured"
        creator = creators[rng.randrange(len(creators))]
        bot: dict[str, Any] = {
            "_id": f"st-{_uuid(rng)}",
            "accountId": account_id,
            "purpose": purpose,
            "createdOn": _stamp_ms(created),
            "createdBy": creator,
            "type": "universalbot" if rng.random() < 0.08 else "default",
            "defaultLanguage": "en",
            "isDeflect": False,
            "resourceid": "btstreams",
            "status": status,
            "icon": f"{rng.getrandbits(96):024x}",
            "name": name,
            "description": description,
            "isLinkedTo": [],
            "containsPanelOrWidget": rng.random() < 0.15,
            "lastModifiedOn": _stamp_ms(modified),
        }
        if status == "published":
            bot["publishedBy"] = creators[rng.randrange(len(creators))]
        apps = rng.choice((0, 1, 1, 1, 2))
        if apps:
            bot["jwtApps"] = [
                {
                    "clientId": f"cs-{_uuid(rng)}",
                    "clientSecret": base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode(),
                    "jtiClaimEnforced": False,
                    "jweEncryptionEnforced": False,
                    "createdOn": _stamp_ms(created + dt.timedelta(hours=n + 1)),
                }
                for n in range(apps)
            ]
        bots.append(bot)
    return bots


def api_app(seed: str) -> KoreApiApp:
    """The admin-console JWT app the sandbox's account answers to (fixed per seed)."""
    rng = random.Random(f"{seed}/kore-api-app")
    return KoreApiApp(
        client_id=f"cs-{_uuid(rng)}",
        client_secret=base64.b64encode(rng.getrandbits(256).to_bytes(32, "big")).decode(),
        name="BYOK setup",
    )
