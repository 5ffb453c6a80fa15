"""Injected faults, seen through the real clients and their retry policies."""

from __future__ import annotations

import time

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceResponseError
from azure.keyvault.keys.aio import KeyClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from byok_tui.sandbox import Faults, Sandbox, parse_faults
from byok_tui.sandbox.persist import to_jsonable
from byok_tui.sandbox.transport import MemTransport

from .conftest import create_vault, graph_client
from .test_sandbox_kore import kore_http, kore_jwt

# ---- the SPEC grammar ----------------------------------------------------------------------------------


def test_parse_a_full_spec():
    faults = parse_faults(" throttle=0.1, throttle:arm=50%, error:keyvault=0.05,drop:graph=0.2,"
                          "latency:kore=150ms, latency=1.5s, rbac-delay=2m, seed=7 ")  # fmt: skip
    assert faults.throttle == {"login": 0.1, "arm": 0.5, "keyvault": 0.1, "graph": 0.1, "kore": 0.1}
    assert faults.error["keyvault"] == 0.05 and faults.error["arm"] == 0.0
    assert faults.drop == {"login": 0.0, "arm": 0.0, "keyvault": 0.0, "graph": 0.2, "kore": 0.0}
    assert faults.latency["kore"] == 0.15 and faults.latency["arm"] == 1.5
    assert (faults.rbac_delay, faults.seed) == (120.0, 7)
    assert parse_faults("").seed == 0 and parse_faults("latency:arm=2").latency["arm"] == 2.0


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("throttle", "'throttle'"),
        ("throttel=0.2", "'throttel'"),
        ("throttle:storage=0.2", "'storage'"),
        ("throttle:=0.2", "'throttle:=0.2'"),
        ("error=2", "'2'"),
        ("drop:arm=-0.1", "'-0.1'"),
        ("latency=fast", "'fast'"),
        ("rbac-delay:arm=20s", "rbac-delay"),
        ("seed=x", "'x'"),
        ("throttle=0.1,throttle=0.2", "given twice"),
        ("throttle:arm=0.6,error:arm=0.6", "more than 1"),
    ],
)
def test_bad_specs_name_the_bad_part(spec, names):
    with pytest.raises(ValueError, match=names.replace("(", r"\(")):
        parse_faults(spec)
    with pytest.raises(ValueError):
        Sandbox.create("default", faults=spec)


def test_create_accepts_a_parsed_spec_and_faults_are_deterministic():
    assert isinstance(Sandbox.create(faults="seed=3").faults, Faults)
    parsed = parse_faults("throttle=0.5,seed=11")
    assert Sandbox.create(faults=parsed).faults is parsed

    def pattern(seed: int) -> list[str | None]:
        sb = Sandbox.create(faults=f"throttle=0.3,error=0.2,drop=0.1,seed={seed}")
        assert sb._injector is not None
        return [sb._injector.decide(service) for service in ("arm", "keyvault", "graph") for _ in range(20)]

    assert pattern(5) == pattern(5)
    assert pattern(5) != pattern(6)


# ---- ARM through azure-core's retry policy -------------------------------------------------------------


def rm(sb, transport=None):
    return ResourceManagementClient(
        sb.credential(), sb.subscription_id, transport=transport or sb.transport()
    )


async def test_arm_throttle_is_retried_after_retry_after():
    sb = Sandbox.create(faults="throttle:arm=0.5,seed=2")  # 429, 429, then 200
    transport = sb.transport()
    statuses = []
    async with rm(sb, transport) as client:
        group = await client.resource_groups.get(
            "rg-contoso-prod", raw_response_hook=lambda r: statuses.append(r.http_response.status_code)
        )
    assert group.name == "rg-contoso-prod" and statuses == [429, 429, 200]
    assert [e.kind for e in sb.fault_events] == ["throttle", "throttle"]
    assert transport.slept == [5.0, 5.0]  # ARM's Retry-After, honoured (instantly: not realtime)


async def test_arm_throttle_body_and_a_faulted_write_changes_nothing():
    sb = Sandbox.create(faults="throttle:arm=1")
    before = to_jsonable(sb.world)
    async with rm(sb) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.resource_groups.create_or_update("rg-never", {"location": "eastus"})
    err = info.value
    assert (err.status_code, err.error.code) == (429, "SubscriptionRequestsThrottled")
    assert err.response.headers["Retry-After"] == "5"
    assert err.error.message.startswith(f"Number of 'write' requests for subscription '{sb.subscription_id}'")
    assert len(sb.fault_events) == 4  # the first try and azure-core's three status retries
    assert to_jsonable(sb.world) == before


async def test_arm_503_is_retried():
    sb = Sandbox.create(faults="error:arm=0.6,seed=2")  # 503, 503, then 200
    transport = sb.transport()
    async with rm(sb, transport) as client:
        assert (await client.resource_groups.get("rg-contoso-prod")).name == "rg-contoso-prod"
    assert [e.kind for e in sb.fault_events] == ["error", "error"]
    assert transport.slept == [1.6]  # no Retry-After: azure-core's backoff (none before the first retry)


async def test_drop_surfaces_as_service_response_error_when_retries_run_out():
    sb = Sandbox.create(faults="drop:arm=1")
    async with rm(sb) as client:
        with pytest.raises(ServiceResponseError, match="Connection reset by peer"):
            await client.resource_groups.get("rg-contoso-prod")
    assert [e.kind for e in sb.fault_events] == ["drop"] * 4  # one try, three read retries


async def test_latency_really_waits():
    sb = Sandbox.create(faults="latency:arm=80ms")
    async with rm(sb) as client:
        started = time.perf_counter()
        await client.resource_groups.get("rg-contoso-prod")
        assert time.perf_counter() - started >= 0.08


async def test_realtime_makes_retry_waits_real():
    transport = Sandbox.create(realtime=True).transport()
    started = time.perf_counter()
    await transport.sleep(0.05)
    assert time.perf_counter() - started >= 0.05
    instant = Sandbox.create().transport()
    started = time.perf_counter()
    await instant.sleep(30)
    assert time.perf_counter() - started < 0.5 and instant.slept == [30.0]


# ---- Key Vault -------------------------------------------------------------------------------------------


async def test_key_vault_throttle_has_no_retry_after_so_only_idempotent_calls_retry():
    sb = Sandbox.create()
    vault = await create_vault(sb, "kv-throttled-1", enableRbacAuthorization=True)
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    async with KeyClient(vault.properties.vault_uri, sb.credential(), transport=sb.transport()) as keys:
        await keys.create_rsa_key("cmk", size=2048)

    throttled = Sandbox(sb.world, faults="throttle:keyvault=1")
    transport = throttled.transport()
    async with KeyClient(vault.properties.vault_uri, throttled.credential(), transport=transport) as keys:
        with pytest.raises(HttpResponseError) as info:
            await keys.get_key("cmk")
        err = info.value
        assert (err.status_code, err.error.code) == (429, "Throttled")
        assert err.error.message.startswith(
            "Request was not processed because too many requests were received."
        )
        assert "Retry-After" not in err.response.headers
        assert len(throttled.fault_events) == 4 and transport.slept == [1.6, 3.2]  # GET: backoff, retried

        with pytest.raises(HttpResponseError) as info:
            await keys.create_rsa_key("cmk2", size=2048)
        assert info.value.status_code == 429
        assert len(throttled.fault_events) == 5  # POST: no Retry-After, so no retry
    assert "cmk2" not in sb.world.vault("kv-throttled-1").keys


async def test_rbac_delay_holds_a_fresh_assignment_back_until_the_clock_moves():
    sb = Sandbox.create(faults="rbac-delay=20s")
    now = [1_800_000_000.0]
    sb.world.clock = lambda: now[0]
    vault = await create_vault(sb, "kv-delayed-1", enableRbacAuthorization=True)
    sb.world.assign_role(sb.operator_object_id, "Key Vault Crypto Officer", vault.id)
    async with KeyClient(vault.properties.vault_uri, sb.credential(), transport=sb.transport()) as keys:
        with pytest.raises(HttpResponseError) as info:
            await keys.create_rsa_key("cmk", size=2048)
        assert info.value.error.innererror["code"] == "ForbiddenByRbac"
        now[0] += 21
        assert (await keys.create_rsa_key("cmk", size=2048)).name == "cmk"
    assert sb.world.settings.rbac_propagation_seconds == 0  # the fault is not written into the world


# ---- login ------------------------------------------------------------------------------------------------


async def test_login_faults_fail_or_slow_the_token_request():
    sb = Sandbox.create(faults="throttle:login=1")
    with pytest.raises(ClientAuthenticationError, match="429"):
        await sb.credential().get_token("https://management.azure.com/.default")
    async with rm(sb) as client:
        with pytest.raises(ClientAuthenticationError):
            await client.resource_groups.get("rg-contoso-prod")

    slow = Sandbox.create(faults="latency:login=60ms")
    started = time.perf_counter()
    await slow.credential().get_token("https://vault.azure.net/.default")
    assert time.perf_counter() - started >= 0.06


# ---- Graph and Kore (httpx) ------------------------------------------------------------------------------


async def test_graph_throttle_is_retried_by_kiota(kiota_sleeps):
    sb = Sandbox.create(faults="throttle:graph=0.5,seed=4")  # 429, then 200
    client, http = graph_client(sb)
    async with http:
        assert (await client.organization.get()).value[0].id == sb.tenant_id
    assert kiota_sleeps == [2] and [e.kind for e in sb.fault_events] == ["throttle"]


async def test_graph_throttle_and_503_when_retries_run_out(kiota_sleeps):
    sb = Sandbox.create(faults="throttle:graph=1")
    client, http = graph_client(sb)
    async with http:
        with pytest.raises(ODataError) as info:
            await client.me.get()
    err = info.value
    assert (err.response_status_code, err.error.code) == (429, "TooManyRequests")
    assert err.error.inner_error.request_id and kiota_sleeps == [2, 2, 2]

    sb = Sandbox.create(faults="error:graph=1")
    client, http = graph_client(sb)
    async with http:
        with pytest.raises(ODataError) as info:
            await client.me.get()
    assert (info.value.response_status_code, info.value.error.code) == (503, "serviceNotAvailable")


async def test_drops_on_httpx_transports():
    sb = Sandbox.create(faults="drop:graph=1,drop:kore=1")
    client, http = graph_client(sb)
    async with http:
        with pytest.raises(httpx.ReadError, match="Connection reset by peer"):
            await client.organization.get()
    async with kore_http(sb) as kore:
        with pytest.raises(httpx.ReadError):
            await kore.get("/api/public/bots", headers={"auth": kore_jwt(sb)})


async def test_kore_throttle_and_latency():
    sb = Sandbox.create(faults="throttle:kore=1")
    async with kore_http(sb) as kore:
        reply = await kore.get("/api/public/bots", headers={"auth": kore_jwt(sb)})
    assert (reply.status_code, reply.headers["Retry-After"]) == (429, "2")
    assert reply.json()["errors"][0]["code"] == 429

    slow = Sandbox.create(faults="latency:kore=50ms")
    async with kore_http(slow) as kore:
        started = time.perf_counter()
        assert (await kore.get("/api/public/bots", headers={"auth": kore_jwt(slow)})).status_code == 200
        assert time.perf_counter() - started >= 0.05


async def test_faults_apply_to_a_loaded_world_too(tmp_path):
    path = Sandbox.create().save(tmp_path / "world.json")
    sb = Sandbox.load(path, faults="error:arm=1")
    async with KeyVaultManagementClient(
        sb.credential(), sb.subscription_id, transport=sb.transport()
    ) as client:
        with pytest.raises(HttpResponseError) as info:
            await client.vaults.get("rg-contoso-prod", "kv-x")
    assert info.value.status_code == 503
    assert isinstance(sb.transport(), MemTransport)
