"""The headless flow on the sandbox: wall time, Azure requests per step against the minimum, peak memory.

    python bench/headless_flow.py

Each step's apply and check run through the engine exactly as `byok-tui run` does. Requests are
counted by the sandbox (every reply, the Key Vault challenge included). Memory is the process's peak
resident size, against a baseline process that imports the same modules and does nothing.
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The fewest requests each step can make and still be an idempotent "ensure" with proof:
# (apply, check). Apply = one existence read per resource it may create + one write per creation
# (+ the Key Vault challenge once per vault host); check = one read per fact it proves.
MINIMUM = {
    "authorize": (2, 1),        # GET SP by appId, POST SP | GET SP
    "vault": (10, 2),           # GET+PUT group, GET+PUT vault, list assignments+role definition+PUT assignment,
                                # challenge+GET key+POST key | GET vault, GET key
    "access": (3, 1),           # list assignments, PUT assignment, list again to see it | list
                                # (the sandbox adds one: GET key as Kore, to show the data-plane wait)
    "share": (0, 3),            # files only | GET vault, GET key, GET SP
    "network": (3, 2),          # GET vault (caller ip), GET vault (vnet rules), PATCH | GET vault, GET key
    "enterprise_key": (0, 1),   # nothing | GET key
    "test": (0, 10),            # nothing | as operator and as Kore: probe, GET key, POST encrypt,
                                # POST decrypt (8); Kore's role and firewall (2)
    "apps": (1, 0),             # one page of bots per 50 | nothing
}  # fmt: skip

BASELINE = (
    "import resource, byok_tui.engine.runner, byok_tui.sandbox, azure.mgmt.keyvault.aio, azure.keyvault.keys.aio,"
    "azure.mgmt.authorization.aio, azure.mgmt.resource.resources.aio, msgraph;"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


async def flow() -> list[tuple[str, int, int, float]]:
    import dataclasses

    from byok_tui.engine import apps, runner, steps
    from byok_tui.sandbox import Sandbox
    from byok_tui.testing.prepare import ORDER, answers, quiet

    sb = Sandbox.create("default")
    conn = sb.connection()
    state = answers(sb, export_dir=str(Path("/tmp/byok-bench-handoff")))
    rows = []
    for step_id in ORDER:
        step = steps.get(step_id)
        start, t = sb.world.requests_served, time.perf_counter()
        state = await step.prepare(step.prefill(state), conn)
        if step_id == "apps":
            state = dataclasses.replace(state, apps=dataclasses.replace(state.apps, source="sandbox"))
            state = apps.with_apps(state, await apps.load(state, conn, host=sb.kore_host))
        state = await runner.apply_plan(step, state, conn, None, quiet)
        applied = sb.world.requests_served - start
        state, _ = await runner.run_checks(step, state, conn, None)
        rows.append((step_id, applied, sb.world.requests_served - start - applied, time.perf_counter() - t))
    return rows


def main() -> None:
    start = time.perf_counter()
    rows = asyncio.run(flow())
    wall = time.perf_counter() - start
    print(f"{'step':<16}{'apply':>7}{'min':>5}{'check':>7}{'min':>5}{'ms':>8}")
    total = total_min = 0
    for step_id, applied, checked, seconds in rows:
        lo_a, lo_c = MINIMUM[step_id]
        total += applied + checked
        total_min += lo_a + lo_c
        print(f"{step_id:<16}{applied:>7}{lo_a:>5}{checked:>7}{lo_c:>5}{seconds * 1000:>8.0f}")
    print(f"requests: {total} against a minimum of {total_min} (ratio {total / total_min:.2f}x)")
    print(f"wall time of the whole flow: {wall:.2f} s (sandbox, no added latency)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = int(subprocess.run([sys.executable, "-c", BASELINE], capture_output=True, text=True, check=True,
                              cwd=ROOT).stdout) / 1024  # fmt: skip
    print(
        f"peak memory: {peak:.0f} MB; baseline (same imports, no work) {base:.0f} MB; ratio {peak / base:.2f}x "
        f"(goal: under 250 MB)"
    )


if __name__ == "__main__":
    main()
