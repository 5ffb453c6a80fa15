"""The wizard's symbols in Unicode or ASCII, when ASCII mode applies, and ASCII of any text."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from byok_tui import glyphs

UTF8 = {"LANG": "en_US.UTF-8"}


@pytest.fixture(autouse=True)
def unicode_after():
    yield
    glyphs.use_ascii(False)


def test_every_symbol_has_an_ascii_form_that_is_ascii():
    assert glyphs.UNICODE.keys() == glyphs.ASCII.keys()
    assert all(value.isascii() for value in glyphs.ASCII.values())
    assert not any(value.isascii() for name, value in glyphs.UNICODE.items() if name != "WARN")


def test_the_switch_changes_what_use_sites_read():
    assert (glyphs.PASS, glyphs.status("fail"), glyphs.status("nonsense")) == ("✓", "✗", "?")
    glyphs.use_ascii(True)
    assert glyphs.ascii_mode()
    assert [glyphs.status(s) for s in ("pass", "warn", "fail", "skip")] == ["+", "!", "x", "-"]
    assert glyphs.BULLET == "*" and glyphs.ELLIPSIS == "..."
    with pytest.raises(AttributeError):
        _ = glyphs.NO_SUCH_GLYPH


def test_status_symbols_stay_distinct_in_ascii():
    """Without colour (NO_COLOR) the symbol alone tells pass, warn, fail and skip apart."""
    glyphs.use_ascii(True)
    assert len({glyphs.status(s) for s in ("pass", "warn", "fail", "skip")}) == 4


@pytest.mark.parametrize(
    "flag, environ, utf8_mode, xoptions, expected",
    [
        (False, UTF8, 0, {}, False),
        (True, UTF8, 0, {}, True),  # --ascii
        (False, {**UTF8, "BYOK_TUI_ASCII": "1"}, 0, {}, True),
        (False, {**UTF8, "BYOK_TUI_ASCII": "0"}, 0, {}, False),
        (False, {"LANG": "C", "LC_CTYPE": "C.UTF-8"}, 1, {}, True),  # Python coerced a C locale (PEP 538/540)
        (False, {"LANG": "C.UTF-8", "PYTHONUTF8": "1"}, 1, {}, False),  # UTF-8 mode asked for
        (False, {"LANG": "C.UTF-8"}, 1, {"utf8": True}, False),  # python -X utf8
        (False, {"LC_ALL": "en_US.ISO-8859-1", "LANG": "en_US.UTF-8"}, 0, {}, True),  # LC_ALL wins
        (False, {"LC_CTYPE": "de_DE.utf8"}, 0, {}, False),
        (False, {"LANG": "POSIX"}, 0, {}, True),
        (False, {}, 0, {}, False),  # nothing set: a modern terminal
    ],
)
def test_wants_ascii(flag, environ, utf8_mode, xoptions, expected):
    assert glyphs.wants_ascii(flag, environ, utf8_mode, xoptions) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("╭─ Sign in ─╮", "+- Sign in -+"),
        ("│ ✓ done · ✗ failed │", "| + done - x failed |"),
        ("▐●▌ Option ▼", " *  Option v"),
        ("“Key Vault Crypto User” — Müller…", '"Key Vault Crypto User" - Muller.'),
        ("日本", "????"),  # wide characters keep their two cells
        ("e\u0301", "e"),  # a combining accent takes no cell
    ],
)
def test_transliterate_keeps_the_width(text, expected):
    assert glyphs.transliterate(text) == expected
    assert cell_len(expected) == cell_len(text) and expected.isascii()


def test_single_cell_symbols_transliterate_to_their_ascii_form():
    """Whether a symbol comes from a use site or from the line filter, it looks the same."""
    for name, symbol in glyphs.UNICODE.items():
        if len(glyphs.ASCII[name]) == 1 == len(symbol):
            assert glyphs.transliterate(symbol) == glyphs.ASCII[name], name
