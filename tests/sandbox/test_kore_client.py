"""The Kore client against the sandbox's Kore, as Kore documents Get Bots: an admin API limited to 60 calls a
minute and 1,800 an hour per account, `offset` described three ways, "Enforce JTI" apps, the Environment URL.

Pacing uses a fake clock shared by the sandbox's world and the client's pacer: 100 pages in no time."""

from __future__ import annotations

import time

import jwt
import pytest

from byok_tui.engine import apps as apps_step
from byok_tui.errors import AuthError
from byok_tui.kore import bots
from byok_tui.sandbox import Sandbox
from byok_tui.secret import Secret


class FakeTime:
    """One clock for the sandbox's world and the client's pacer; sleeping moves it on."""

    def __init__(self) -> None:
        self.start = self.now = time.time()  # JWTs carry real iat/exp
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def sandbox(scenario: str = "big-account", faults: str | None = "kore-limits=on") -> tuple[Sandbox, FakeTime]:
    sb = Sandbox.create(scenario, faults=faults)
    fake = FakeTime()
    sb.world.clock = fake.clock
    return sb, fake


async def list_all(sb: Sandbox, fake: FakeTime, host: str = "", **pacer_kwargs):
    messages: list[str] = []
    pacer = bots.Pacer(clock=fake.clock, sleep=fake.sleep, **pacer_kwargs)
    found = await bots.list_from_api(
        sb.connection(), host or sb.kore_host, sb.kore_api_client_id, Secret(sb.kore_api_client_secret),
        lambda m, f=None: messages.append(m), pacer=pacer,
    )  # fmt: skip
    return found, messages


async def test_five_thousand_bots_under_the_documented_limit_with_progress():
    sb, fake = sandbox()
    found, messages = await list_all(sb, fake)
    assert len(found) == 5000 and len({a.id for a in found}) == 5000 and found.complete
    assert not any("rate limit" in m for m in messages)  # paced: Kore never had to throttle
    assert (
        "Pacing under Kore's limit of 60 calls a minute: waiting 60 s after 3,000 apps and bots…" in messages
    )
    assert (
        messages[0] == "Loaded 50 of 5000 apps and bots…"
        and messages[-1] == "Loaded 5000 of 5000 apps and bots…"
    )
    assert 60 <= fake.now - fake.start < 70  # 100 calls, at most 60 in any minute


async def test_a_throttle_of_a_minute_is_ridden_out_with_the_documented_message():
    sb, fake = sandbox()
    found, messages = await list_all(sb, fake, per_minute=1000)  # a pacer that does not know the limit
    assert len(found) == 5000 and found.complete
    waits = [m for m in messages if "rate limit reached" in m]
    assert (
        waits
        and waits[0] == "Kore's rate limit reached after 3,000 apps and bots; waiting 60 s before going on…"
    )


def test_the_documented_throttle_message_is_recognised_whatever_the_status():
    class Answer:
        def __init__(self, status, text):
            self.status_code, self.text = status, text

    assert bots.is_throttled(Answer(429, ""))
    assert bots.is_throttled(
        Answer(400, '{"errors":[{"msg":"Rate limit for this API has been reached. Please try again later"}]}')
    )
    assert not bots.is_throttled(Answer(400, '{"errors":[{"msg":"limit must be between 1 and 50"}]}'))


async def test_offset_as_a_record_offset_is_detected_and_duplicates_dropped():
    sb, fake = sandbox(faults=None)
    sb.world.settings.kore_offset = "record"
    found, messages = await list_all(sb, fake)
    assert len(found) == 5000 and len({a.id for a in found}) == 5000 and found.complete
    assert [a.id for a in found] == [b["_id"] for b in sb.world.kore.bots]


async def test_offset_capped_at_ten_pages_stops_and_says_the_list_may_be_incomplete():
    sb, fake = sandbox(faults=None)
    sb.world.settings.kore_offset = "skip"
    found, messages = await list_all(sb, fake)
    assert len(found) == 550 and not found.complete
    assert "may be incomplete" in found.note and messages[-1] == found.note


async def test_an_app_that_enforces_jti_accepts_fresh_jtis_and_refuses_a_reused_one():
    sb, fake = sandbox("default", faults=None)
    sb.world.kore.api_apps[0].enforce_jti = True
    found, _ = await list_all(sb, fake)
    assert len(found) == 30
    token = jwt.encode(
        {"appId": sb.kore_api_client_id, "jti": "once"}, sb.kore_api_client_secret, algorithm="HS256"
    )
    status = []
    for _ in range(2):
        wire = sb.dispatch("GET", f"{sb.kore_base_url}/api/public/bots", [("auth", token)], b"")
        status.append(wire[0])
    assert status == [200, 401]


async def test_refusals_name_the_admin_console_and_the_role_management_scope():
    sb, fake = sandbox("default", faults=None)
    with pytest.raises(AuthError) as info:
        await bots.list_from_api(sb.connection(), sb.kore_host, sb.kore_api_client_id, Secret("wrong"),
                                 pacer=bots.Pacer(clock=fake.clock, sleep=fake.sleep))  # fmt: skip
    assert "Admin Console" in info.value.remedy and "Role Management" in info.value.remedy
    assert "not in a bot's dev tools" in info.value.remedy


@pytest.mark.parametrize(
    "pasted", ["https://platform.kore.ai/", "platform.kore.ai", "HTTPS://Platform.Kore.ai/api"]
)
async def test_a_pasted_environment_url_works(pasted):
    sb, fake = sandbox("default", faults=None)
    conn = sb.connection()
    assert (
        apps_step.kore_host(conn, None, pasted) == sb.kore_host
    )  # Kore's cloud means the sandbox's Kore here
    found, _ = await list_all(sb, fake, host=apps_step.kore_host(conn, None, pasted))
    assert len(found) == 30
    assert apps_step.host_note(conn, None, pasted).startswith(f"Kore Environment URL: https://{sb.kore_host}")


async def test_on_an_instant_sandbox_the_client_paces_in_virtual_time():
    """No fake clock and no pacer given: the sandbox's transport lends the client an instant clock, and Kore's
    windows count those waits, so 5,000 bots list under the limit in no real time."""
    sb = Sandbox.create("big-account", faults="kore-limits=on")
    transports = []

    def factory():
        transports.append(sb.kore_transport())
        return transports[-1]

    import dataclasses

    conn = dataclasses.replace(sb.connection(), kore_transport_factory=factory)
    messages: list[str] = []
    found = await bots.list_from_api(conn, sb.kore_host, sb.kore_api_client_id, Secret(sb.kore_api_client_secret),
                                     lambda m, f=None: messages.append(m))  # fmt: skip
    assert len(found) == 5000 and found.complete and transports[0].paced == [60.0]
    assert not any("rate limit reached" in m for m in messages)


async def test_an_app_without_the_role_management_scope_is_refused_and_told_why():
    sb, fake = sandbox("default", faults=None)
    sb.world.kore.api_apps[0].scopes = []
    with pytest.raises(AuthError) as info:
        await list_all(sb, fake)
    assert info.value.title == "Kore's API app may not list bots"
    assert "Profile Management > Role Management" in info.value.remedy
