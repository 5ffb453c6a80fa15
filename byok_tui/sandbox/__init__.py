"""An in-process Azure for demos and tests: the real SDK clients talk to it over their normal HTTP pipeline.

    from byok_tui.sandbox import Sandbox
    sb = Sandbox.create("default")
    conn = sb.connection()          # credential + transport factory the adapters take

Wired in only by the CLI and the tests; the UI never imports it. See docs/sandbox.md.
"""

from byok_tui.sandbox.facade import Sandbox

__all__ = ["Sandbox"]
