"""The symbols the wizard draws (✓ ✗ ! • · → …), in Unicode or in plain ASCII for terminals without it.

Use sites read `glyphs.PASS`, `glyphs.status("warn")` … at the moment they draw, so one switch
(`use_ascii`) changes every screen. The mode belongs to the terminal, hence to the process: the CLI sets
it once from `--ascii`, `BYOK_TUI_ASCII=1` or a locale that is not UTF-8 (`wants_ascii`), and `build_app`
sets it for the App it makes. No Textual import here: the engine and the headless output may use it too.

`transliterate` maps any other non-ASCII text, cell for cell, for the places no use site controls
(Textual's own widgets, names from Azure): the TUI applies it to every line it draws in ASCII mode.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping

from rich.cells import cell_len

UNICODE: dict[str, str] = {
    "PASS": "✓", "FAIL": "✗", "WARN": "!", "SKIP": "–",
    "WARNING": "⚠", "BULLET": "•", "SEP": "·", "ELLIPSIS": "…", "ARROW": "→",
    "CURRENT": "◂", "APPLIED": "●", "NOT_STARTED": "○", "PENDING": "◌",
    "BAR": "│", "NONE": "—", "BLOCK": "█", "SPINNER": "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏",
}  # fmt: skip
"""Name -> the Unicode symbol (the default)."""

ASCII: dict[str, str] = {
    "PASS": "+", "FAIL": "x", "WARN": "!", "SKIP": "-",
    "WARNING": "!", "BULLET": "*", "SEP": "-", "ELLIPSIS": "...", "ARROW": "->",
    "CURRENT": "<", "APPLIED": "*", "NOT_STARTED": "o", "PENDING": "~",
    "BAR": "|", "NONE": "-", "BLOCK": "#", "SPINNER": "|/-\\",
}  # fmt: skip
"""Name -> its ASCII stand-in. Status symbols stay distinct (+ x ! -): status never relies on colour."""

# Declared for readers and type checkers; the values come from `__getattr__` (the current table).
PASS: str
FAIL: str
WARN: str
SKIP: str
WARNING: str
BULLET: str
SEP: str
ELLIPSIS: str
ARROW: str
CURRENT: str
APPLIED: str
NOT_STARTED: str
PENDING: str
BAR: str
NONE: str
BLOCK: str
SPINNER: str

_ascii = False


def __getattr__(name: str) -> str:
    table = ASCII if _ascii else UNICODE
    try:
        return table[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def use_ascii(on: bool) -> None:
    """Draw ASCII symbols from now on (or Unicode again)."""
    global _ascii
    _ascii = bool(on)


def ascii_mode() -> bool:
    return _ascii


def status(name: str) -> str:
    """The symbol of a check status: pass, warn, fail, skip ("?" for anything else)."""
    table = ASCII if _ascii else UNICODE
    key = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skip": "SKIP"}.get(name)
    return table[key] if key else "?"


def wants_ascii(
    flag: bool = False,
    environ: Mapping[str, str] | None = None,
    utf8_mode: int | None = None,
    xoptions: Mapping[str, object] | None = None,
) -> bool:
    """ASCII mode: asked for (`--ascii`, `BYOK_TUI_ASCII=1`), or the terminal's locale is not UTF-8.

    Python itself hides a C/POSIX locale: it switches to UTF-8 mode (PEP 540) and coerces LC_CTYPE to
    C.UTF-8 (PEP 538), so `sys.stdout.encoding` says utf-8 even under `LANG=C`. UTF-8 mode that nobody
    asked for (no PYTHONUTF8, no -X utf8) is therefore the sign of a C locale. Otherwise the locale
    variables decide, as tmux reads them: the first set of LC_ALL, LC_CTYPE, LANG must name UTF-8.
    """
    env = os.environ if environ is None else environ
    if flag or env.get("BYOK_TUI_ASCII", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    utf8_mode = sys.flags.utf8_mode if utf8_mode is None else utf8_mode
    xoptions = sys._xoptions if xoptions is None else xoptions
    if utf8_mode and "utf8" not in xoptions and env.get("PYTHONUTF8") != "1":
        return True
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if value := env.get(name):
            return "utf-8" not in value.lower() and "utf8" not in value.lower()
    return False  # nothing set: assume a modern terminal (Windows Terminal, most SSH clients)


# --- transliteration: any text, one ASCII cell per cell ------------------------------------------

_CHARS: dict[str, str] = {
    **dict.fromkeys("✓✔√", "+"), **dict.fromkeys("✗✘✕×", "x"), "⚠": "!",
    **dict.fromkeys("•●◉⬤∙◦▪■", "*"), **dict.fromkeys("○◯□", "o"), "◌": "~", "·": "-", "…": ".",
    **dict.fromkeys("—–‒―−", "-"), **dict.fromkeys("“”„«»", '"'), **dict.fromkeys("‘’‚‹›", "'"),
    **dict.fromkeys("→⟶▶►▸▷❯", ">"), **dict.fromkeys("←⟵◀◄◂◁❮", "<"), **dict.fromkeys("↑▲▴△", "^"),
    **dict.fromkeys("↓▼▾▽", "v"), **dict.fromkeys("█▓▒░", "#"), "\u00a0": " ",
}  # fmt: skip


def _char(ch: str) -> str:
    if ch in _CHARS:
        return _CHARS[ch]
    code = ord(ch)
    if 0x2500 <= code <= 0x257F:  # box drawing: keep the shape of the line
        name = unicodedata.name(ch, "")
        horizontal, vertical = "HORIZONTAL" in name, "VERTICAL" in name
        return "-" if horizontal and not vertical else "|" if vertical and not horizontal else "+"
    if 0x2580 <= code <= 0x259F or 0x2800 <= code <= 0x28FF:  # partial blocks, braille: colour carries them
        return " "
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if len(base) == 1:  # ä -> a, ﬁ stays "?" (two letters would change the width)
        return base
    return "?" * cell_len(ch)  # wide (CJK, emoji) stays two cells; combining marks vanish


def transliterate(text: str) -> str:
    """`text` in ASCII, with the same width in cells (so a drawn line keeps its layout)."""
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _char(ch) for ch in text)
