"""Text from Azure or Kore, shown exactly as it is: never markup, never terminal control codes.

Names of tenants, subscriptions, bots and service principals come from other people. "[b]" in a bot
name must show as "[b]", and an escape character must not reach the terminal where it could move the
cursor or restyle the screen.
"""

from __future__ import annotations

import re

from textual.content import Content

# C0 controls (but not tab), DEL and C1 controls: what a terminal would act on.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters replaced by a visible escape such as \\x1b."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def literal(text: str) -> Content:
    """Content that renders `text` verbatim (no markup parsing), control characters made visible."""
    return Content(visible(text))
