"""The QR code drawn in characters decodes back to exactly the symbol segno made, module for module."""

from __future__ import annotations

import pytest
import segno

from byok_tui.clouds import get_cloud
from byok_tui.screens.widgets import qr

CONSENT_URL = get_cloud("AzureCloud").admin_consent_url(
    "72f988bf-86f1-41af-91ab-2d7cd011db47", "a1b2c3d4-1111-2222-3333-444455556666"
)
DEVICE_URL = "https://microsoft.com/devicelogin"
TEXTS = [CONSENT_URL, DEVICE_URL, "hi"]
UNHALF = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


def reference(text: str, border: int = qr.QUIET_ZONE) -> list[list[bool]]:
    """The symbol straight from segno (not through qr.matrix): what a phone must see."""
    symbol = segno.make(text, error="L", micro=False)
    return [[bool(m) for m in row] for row in symbol.matrix_iter(scale=1, border=border)]


def from_half_blocks(lines: list[str]) -> list[list[bool]]:
    rows: list[list[bool]] = []
    for line in lines:
        pairs = [UNHALF[ch] for ch in line]
        rows.append([top for top, _ in pairs])
        rows.append([bottom for _, bottom in pairs])
    return rows


def from_ascii(lines: list[str]) -> list[list[bool]]:
    cells = {"##": True, "  ": False}
    return [[cells[line[i : i + 2]] for i in range(0, len(line), 2)] for line in lines]


@pytest.mark.parametrize("text", TEXTS)
def test_half_blocks_decode_to_the_symbol(text):
    expected = reference(text)
    decoded = from_half_blocks(qr.lines(text))
    if len(expected) % 2:  # an odd last module row shares its line with a light one
        assert decoded[-1] == [False] * len(expected[0])
        decoded = decoded[:-1]
    assert decoded == expected


@pytest.mark.parametrize("text", TEXTS)
def test_ascii_cells_decode_to_the_symbol(text):
    assert from_ascii(qr.lines(text, ascii=True)) == reference(text)


def test_dark_modules_are_drawn_and_the_finder_pattern_sits_top_left():
    """Polarity and orientation, from the QR standard rather than segno: a 7x7 dark ring with a light
    ring inside and a 3x3 dark centre, after the light quiet zone."""
    modules = from_half_blocks(qr.lines(DEVICE_URL))
    z = qr.QUIET_ZONE
    assert not any(modules[r][c] for r in range(z) for c in range(len(modules[0])))
    finder = [row[z : z + 7] for row in modules[z : z + 7]]
    for r in range(7):
        for c in range(7):
            ring = min(r, c, 6 - r, 6 - c)
            assert finder[r][c] == (ring != 1), (r, c)


def test_only_half_blocks_and_the_ascii_cells_are_used():
    assert set("".join(qr.lines(CONSENT_URL))) <= set("█▀▄ ")
    assert set("".join(qr.lines(CONSENT_URL, ascii=True))) <= {"#", " "}
    assert "".join(qr.lines(CONSENT_URL, ascii=True)).isascii()


def test_the_consent_url_fits_an_80x24_terminal_beside_its_address():
    """Level L: a 130-character consent URL is version 6 (41 modules + quiet zone)."""
    lines = qr.lines(CONSENT_URL)
    assert segno.make(CONSENT_URL, error="L", micro=False).version == 6
    assert (len(lines[0]), len(lines)) == (45, 23)
    assert len(lines[0]) + qr.QRModal.SIDE_MIN <= 80 and len(lines) <= 24
    assert len(qr.lines(CONSENT_URL, ascii=True)[0]) == 90  # too wide for 80 columns: the modal says so


def test_never_a_micro_qr():
    assert len(qr.matrix("1", border=0)) == 21  # version 1 (21x21), not an M1 (11x11)
