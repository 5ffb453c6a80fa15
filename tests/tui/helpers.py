"""Moved to `byok_tui.testing.pilot` (direct focus and values; `keys_*` for the keyboard walkthroughs);
kept so branches in flight still import."""

from byok_tui.testing.pilot import choose, focus, pick_radio, type_into  # noqa: F401
