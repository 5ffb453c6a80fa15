from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from byok_tui.screens.widgets.literal import literal, visible


def test_markup_stays_literal():
    assert literal("[b]Contoso[/b] [red]x").plain == "[b]Contoso[/b] [red]x"


def test_control_characters_are_made_visible():
    assert visible("a\x1b[2Jb\x07\x9bc\td") == "a\\x1b[2Jb\\x07\\x9bc\td"


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text):
    shown = literal(text).plain
    assert not any(ord(c) < 0x20 and c != "\t" or 0x7F <= ord(c) <= 0x9F for c in shown)
