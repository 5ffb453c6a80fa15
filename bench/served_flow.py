"""Live mode through the served sandbox against the in-process sandbox, in one run.

    python bench/served_flow.py [--requests 200]

1. Per request: the same Resource Manager read, sequentially, through the in-process transport and through
   `byok-tui sandbox serve` (a separate process: aiohttp, HTTPS_PROXY, CONNECT, TLS, h11, keep-alive). The
   difference is what serving adds per request on loopback (goal: under 5 ms).
2. The whole engine flow (Steps 1-5 and the console), once in-process as `demo` runs it and once in live
   mode as a customer's `byok-tui run` does (environment sign-in, real pools, the proxy): requests per step
   against the minimum (from headless_flow.py), and wall time. Token requests are counted apart: the
   in-process credential mints tokens without a request.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def serve(folder: Path):
    from byok_tui.testing.served import start_served

    served = start_served(folder, "--faults", "rbac-delay=0")
    # Before aiohttp is imported: azure-identity's own transport takes aiohttp's import-time SSL context.
    for name in ("HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "AZURE_TENANT_ID",
                 "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "BYOK_TUI_PROFILE", "KORE_API_CLIENT_SECRET"):  # fmt: skip
        os.environ[name] = served.exports[name]
    return served


def health(served) -> dict:
    import httpx

    with httpx.Client(trust_env=False) as client:
        return client.get(served.proxy + "/health").json()


async def per_request(served, n: int) -> tuple[float, float]:
    from azure.core import AsyncPipelineClient
    from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy
    from azure.core.rest import HttpRequest
    from azure.identity.aio import EnvironmentCredential

    from byok_tui.azure.pool import SharedSession
    from byok_tui.sandbox import Sandbox

    local = Sandbox.create("default")
    url = f"https://management.azure.com/subscriptions/{local.subscription_id}/resourcegroups?api-version=2021-04-01"
    results = []
    live_credential = EnvironmentCredential()
    shared = SharedSession()
    for credential, transport in ((local.credential(), local.transport()), (live_credential, shared())):
        policy = AsyncBearerTokenCredentialPolicy(credential, "https://management.azure.com/.default")
        async with AsyncPipelineClient(base_url=url, transport=transport, policies=[policy]) as client:
            for _ in range(5):  # warm: token, connection, TLS
                (await client.send_request(HttpRequest("GET", url))).raise_for_status()
            start = time.perf_counter()
            for _ in range(n):
                response = await client.send_request(HttpRequest("GET", url))
                await response.read()
            results.append((time.perf_counter() - start) / n * 1000)
    await live_credential.close()
    await shared.aclose()
    return results[0], results[1]


async def flow(conn, state, sandbox_for_apps, count) -> list[tuple[str, int, float]]:
    from byok_tui.engine import apps, runner, signin, steps
    from byok_tui.secret import Secret
    from byok_tui.testing.prepare import ORDER, quiet

    state, preflight = await runner.run_checks(signin.STEP, state, conn, None)
    state = signin.signed_in(state, preflight)
    rows = []
    for step_id in ORDER:
        step = steps.get(step_id)
        before, t = count(), time.perf_counter()
        state = await step.prepare(step.prefill(state), conn)
        if step_id == "apps":
            source = "sandbox" if conn.kore_api_client else "kore-api"
            state = dataclasses.replace(state, apps=dataclasses.replace(
                state.apps, source=source, kore_api_client_id=sandbox_for_apps.kore_api_client_id))  # fmt: skip
            found = await apps.load(state, conn, host=sandbox_for_apps.kore_host,
                                    secret=Secret(sandbox_for_apps.kore_api_client_secret))  # fmt: skip
            state = apps.with_apps(state, found)
        state = await runner.apply_plan(step, state, conn, None, quiet)
        state, _ = await runner.run_checks(step, state, conn, None)
        rows.append((step_id, count() - before, time.perf_counter() - t))
    return rows


async def both_flows(served) -> tuple[list, list, dict, dict]:
    from byok_tui.azure import auth
    from byok_tui.clouds import AZURE_PUBLIC
    from byok_tui.sandbox import Sandbox, scenarios
    from byok_tui.testing.prepare import answers

    handoff = Path(tempfile.mkdtemp(prefix="byok-bench-"))
    local = Sandbox.create("default")
    inproc = await flow(local.connection(), answers(local, export_dir=str(handoff / "a")), local,
                        lambda: local.world.requests_served)  # fmt: skip

    remote = Sandbox.load(served.state)  # ids and Kore's app only; the world itself lives in the server
    state = answers(remote, export_dir=str(handoff / "b"))
    state = dataclasses.replace(state, signin=dataclasses.replace(
        state.signin, method="environment", operator_object_id=scenarios.AUTOMATION_SP_ID))  # fmt: skip
    conn = auth.live_connection("environment", remote.tenant_id, AZURE_PUBLIC)
    grants_before = health(served)["token_grants"]
    try:
        live = await flow(conn, state, remote, lambda: health(served)["requests"])
    finally:
        await auth.close_connection(conn)
    return inproc, live, grants_before, health(served)["token_grants"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from headless_flow import MINIMUM

    folder = Path(tempfile.mkdtemp(prefix="byok-served-bench-"))
    served = serve(folder)
    try:
        local_ms, served_ms = asyncio.run(per_request(served, args.requests))
        print(f"one Resource Manager read, {args.requests} in a row (ms per request):")
        print(f"  in-process {local_ms:6.2f}   served {served_ms:6.2f}   serving adds {served_ms - local_ms:5.2f} ms"
              f"   ratio {served_ms / local_ms:4.1f}x   goal: adds < 5 ms")  # fmt: skip
        inproc, live, before, after = asyncio.run(both_flows(served))
        requests = health(served)["requests"]
    finally:
        served.stop()
    print(f"\n{'step':<16}{'in-process':>11}{'served':>8}{'min':>5}{'ms in-proc':>12}{'ms served':>11}")
    totals = [0, 0, 0, 0.0, 0.0]
    for (step_id, n_local, t_local), (_, n_live, t_live) in zip(inproc, live, strict=True):
        minimum = sum(MINIMUM.get(step_id, (0, 0)))
        print(
            f"{step_id:<16}{n_local:>11}{n_live:>8}{minimum:>5}{t_local * 1000:>12.0f}{t_live * 1000:>11.0f}"
        )
        for i, value in enumerate((n_local, n_live, minimum, t_local, t_live)):
            totals[i] += value
    print(f"{'total':<16}{totals[0]:>11}{totals[1]:>8}{totals[2]:>5}{totals[3] * 1000:>12.0f}{totals[4] * 1000:>11.0f}"
          f"   wall ratio {totals[4] / totals[3]:.2f}x")  # fmt: skip
    grants = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    print(
        f"token requests in live mode (not counted above): {grants}; server answered {requests} requests in all"
    )


if __name__ == "__main__":
    main()
