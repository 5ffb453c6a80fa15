"""The in-process transports answer on the sandbox's own thread, like a remote service: a slow handler
(RSA key generation, a big JSON reply) never freezes the caller's event loop, i.e. the UI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time

import httpx
import pytest
from azure.core.rest import HttpRequest

from byok_tui.sandbox.transport import SERVER_NICENESS, HttpxTransport, MemTransport

SLOW = 0.3


def slow_handler(seen: list[str]):
    def dispatch(method, url, headers, body):
        seen.append(threading.current_thread().name)
        time.sleep(SLOW)  # the handler's work: blocks whichever thread runs it
        return 200, {"Content-Type": "application/json"}, b'{"ok": true}'

    return dispatch


async def longest_lag_while(work) -> tuple[float, object]:
    """Run `work` while a 5 ms ticker measures how late the loop wakes it; (worst lag in s, result)."""
    lags: list[float] = []

    async def tick() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - started - 0.005)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.02)
    try:
        result = await work
    finally:
        ticker.cancel()
    return max(lags), result


async def test_azure_core_transport_does_not_block_the_loop_for_a_slow_handler():
    seen: list[str] = []
    transport = MemTransport(slow_handler(seen))
    started = time.perf_counter()
    lag, response = await longest_lag_while(
        transport.send(HttpRequest("GET", "https://management.azure.com/x"))
    )
    assert time.perf_counter() - started >= SLOW and response.status_code == 200  # the handler did run
    assert lag < SLOW / 3, f"the event loop stalled {lag * 1000:.0f} ms while the sandbox worked"
    assert seen == ["sandbox-remote"] and threading.current_thread().name != "sandbox-remote"


async def test_httpx_transport_does_not_block_the_loop_for_a_slow_handler():
    seen: list[str] = []
    async with httpx.AsyncClient(transport=HttpxTransport(slow_handler(seen))) as client:
        lag, response = await longest_lag_while(client.get("https://graph.microsoft.com/v1.0/me"))
    assert response.json() == {"ok": True}
    assert lag < SLOW / 3, f"the event loop stalled {lag * 1000:.0f} ms while the sandbox worked"
    assert seen == ["sandbox-remote"]


async def test_requests_are_answered_in_the_order_they_were_sent():
    order: list[int] = []

    def dispatch(method, url, headers, body):
        order.append(int(url.rsplit("/", 1)[1]))
        return 200, {}, b""

    transport = MemTransport(dispatch)
    await asyncio.gather(
        *(transport.send(HttpRequest("GET", f"https://management.azure.com/{i}")) for i in range(20))
    )
    assert order == list(range(20))


async def test_cancelling_the_caller_abandons_the_request_on_the_remote_side():
    finished = threading.Event()

    async def dispatch(method, url, headers, body):
        await asyncio.sleep(5)  # injected latency: the remote side is still waiting
        finished.set()
        return 200, {}, b""

    request = asyncio.ensure_future(
        MemTransport(dispatch).send(HttpRequest("GET", "https://management.azure.com/"))
    )
    await asyncio.sleep(0.05)
    request.cancel()
    started = time.perf_counter()
    with contextlib.suppress(asyncio.CancelledError):
        await request
    assert time.perf_counter() - started < 1 and request.cancelled()
    await asyncio.sleep(0.05)
    assert not finished.is_set()


async def test_errors_raised_remotely_reach_the_caller_as_the_stack_raises_them():
    from azure.core.exceptions import ServiceRequestError

    from byok_tui.sandbox.transport import HostUnreachable

    def dispatch(method, url, headers, body):
        raise HostUnreachable("nowhere.vault.azure.net")

    try:
        await MemTransport(dispatch).send(HttpRequest("GET", "https://nowhere.vault.azure.net/"))
    except ServiceRequestError as err:
        assert "nowhere.vault.azure.net" in str(err)
    else:
        raise AssertionError("an unreachable host must raise ServiceRequestError")


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread priorities are a POSIX notion")
async def test_the_sandbox_thread_runs_below_the_ui_priority():
    seen: list[int] = []

    def dispatch(method, url, headers, body):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return 200, {"Content-Type": "application/json"}, b"{}"

    async with httpx.AsyncClient(transport=HttpxTransport(dispatch)) as client:
        await client.get("https://management.azure.com/x")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen and seen[0] >= min(mine + SERVER_NICENESS, 19)
