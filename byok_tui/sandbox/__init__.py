"""An in-process Azure (and Kore) for demos and tests: the real SDK clients talk to it over their normal
HTTP pipeline.

    from byok_tui.sandbox import Sandbox
    sb = Sandbox.create("default", faults="throttle:arm=0.2,seed=7")
    conn = sb.connection()          # credential + transport factories the adapters take

Wired in only by the CLI and the tests; the UI never imports it. See docs/sandbox.md.
"""

from byok_tui.sandbox.facade import Sandbox
from byok_tui.sandbox.faults import Faults, parse_faults
from byok_tui.sandbox.scenarios import SCENARIOS

__all__ = ["SCENARIOS", "Faults", "Sandbox", "parse_faults"]
