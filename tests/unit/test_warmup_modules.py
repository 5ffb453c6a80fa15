"""The SDK warm-up covers every client the adapters make: a client left out is imported on the UI's event
loop at its first use (the protect step's monitor client was, a 69 ms stall: #17)."""

from __future__ import annotations

import re
from pathlib import Path

from byok_tui.azure import clients
from byok_tui.engine import warmup


def test_every_client_module_is_warmed_up():
    source = Path(clients.__file__).read_text()
    imported = set(re.findall(r"^\s+from (azure\.[\w.]+) import", source, flags=re.MULTILINE))
    assert imported, "no SDK import found: the pattern no longer matches clients.py"
    assert sorted(imported - set(warmup.MODULES)) == []


def test_every_adapter_module_is_warmed_up():
    # Helpers that make no client (clients, errors, pools, network settings...) need no warm-up of their own.
    helpers = (
        "__init__",
        "clients",
        "errors",
        "evidence",
        "netconfig",
        "netdiag",
        "pool",
        "requestlog",
        "resilience",
    )
    adapters = {f"byok_tui.azure.{path.stem}" for path in Path(clients.__file__).parent.glob("*.py")} - {
        f"byok_tui.azure.{name}" for name in helpers
    }
    assert sorted(adapters - set(warmup.MODULES)) == []
