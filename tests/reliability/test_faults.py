"""The whole headless flow under each fault kind on each service ends in the same world as a clean run."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import fingerprint

SERVICES = ("login", "arm", "keyvault", "graph", "kore")
KINDS = {"throttle": "0.3", "error": "0.3", "drop": "0.2", "latency": "5ms"}


@pytest.fixture(scope="module")
def clean_world(tmp_path_factory):
    """The fingerprint of a fault-free run, made once."""
    from byok_tui.cli import main
    from byok_tui.sandbox import Sandbox
    from tests.e2e.test_full_run import CONSOLE, FULL

    tmp = tmp_path_factory.mktemp("clean")
    world = tmp / "world.json"
    Sandbox.create("default").save(world)
    sb = Sandbox.load(world)
    answers = tmp / "a.toml"
    text = FULL.replace("{export}", str(tmp / "h")) + CONSOLE.replace("{deselect}", "")
    answers.write_text(text.format(tenant=sb.tenant_id, subscription=sb.subscription_id))
    assert main(["run", "--answers", str(answers), "--sandbox-state", str(world), "--session",
                 str(tmp / "s.json"), "--yes"]) == 0  # fmt: skip
    return fingerprint(world)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_flow_converges_under_faults(flow, clean_world, kind, service):
    # A fault the SDKs cannot retry away (a dropped POST) stops the run with exit 3; running again
    # (later, so with other faults: another seed) resumes from the session and adopts what exists.
    codes = []
    for attempt in range(3):
        spec = f"{kind}:{service}={KINDS[kind]},seed={11 + attempt}"
        codes.append(flow("--faults", spec))
        if codes[-1] == 0:
            break
        assert codes[-1] == 3, f"{spec}: exit {codes[-1]}"
    assert codes[-1] == 0, f"{spec}: exits {codes}"
    assert fingerprint(flow.world) == clean_world
