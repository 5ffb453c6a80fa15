"""An in-process Azure (and Kore) for demos and tests: the real SDK clients talk to it over their normal
HTTP pipeline.

    from byok_tui.sandbox import Sandbox
    sb = Sandbox.create("default", faults="throttle:arm=0.2,seed=7")
    conn = sb.connection()          # credential + transport factories the adapters take

Wired in only by the CLI and the tests; the UI never imports it. See docs/sandbox.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from byok_tui.sandbox.facade import Sandbox
    from byok_tui.sandbox.faults import Faults, parse_faults
    from byok_tui.sandbox.scenarios import SCENARIOS

__all__ = ["SCENARIOS", "Faults", "Sandbox", "parse_faults"]

# Where each name lives, imported on first use: the facade and the scenarios import azure-core, httpx and
# cryptography, which `byok-tui demo` must not load before its first frame (see deferred.py).
_HOME = {
    "Sandbox": "byok_tui.sandbox.facade",
    "Faults": "byok_tui.sandbox.faults",
    "parse_faults": "byok_tui.sandbox.faults",
    "SCENARIOS": "byok_tui.sandbox.scenarios",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
