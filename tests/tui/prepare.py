"""Moved to `byok_tui.testing.prepare` (shared with bench/ and tools/); kept so branches in flight still import."""

from byok_tui.testing.prepare import ORDER, answers, done_through, quiet  # noqa: F401
