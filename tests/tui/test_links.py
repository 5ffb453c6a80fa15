"""Addresses the operator must open elsewhere: the admin-consent URL (Step 1) and the device-login
address (Sign-in) are text, an OSC 8 terminal link, and a QR code (q) sized to the terminal."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from byok_tui import glyphs
from byok_tui.screens.widgets import qr
from byok_tui.screens.widgets.links import link
from byok_tui.screens.widgets.qr import QRCode, QRModal
from byok_tui.testing.pilot import settle
from tests.tui import test_signin
from tests.tui.test_authorize import authorize_screen, step1
from tests.tui.test_signin import DEVICE_URL, signin_screen, wait_for_device_code

live = test_signin.live  # the live-looking App with a device-code credential (a fixture)

OSC8 = "\x1b]8;"


@pytest.fixture(autouse=True)
def unicode_after() -> None:
    """ASCII mode is process-wide: leave it off for the tests that follow."""
    yield
    glyphs.use_ascii(False)


def drawn(widget: Widget) -> str:
    """What the terminal receives for `widget`: its lines rendered to escape sequences."""
    console = widget.app.console
    return "".join(strip.render(console) for strip in widget.render_lines(widget.content_region.reset_offset))


def consent_url(h) -> str:
    sb = h.sandbox
    return f"https://login.microsoftonline.com/{sb.tenant_id}/adminconsent?client_id={sb.kore_client_id}"


async def open_qr(pilot: Pilot) -> QRModal:
    authorize_screen(pilot.app).method_set.focus()  # q in the client-id field would type a q
    await pilot.press("q")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, QRModal), f"q did not open the QR code: {modal!r}"
    return modal


def test_link_is_an_osc8_style_and_plain_in_ascii_mode():
    url = "https://microsoft.com/devicelogin"
    assert [span.style.link for span in link(url).spans] == [url]
    glyphs.use_ascii(True)
    assert link(url).spans == [] and str(link(url)) == url


async def test_consent_url_is_text_a_terminal_link_and_a_qr_code_that_fits_80x24(make_app):
    h = await step1(make_app, "restricted")
    app, url = h.app, consent_url(h)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = authorize_screen(app)
        assert str(screen.consent_url_line.content) == url
        assert OSC8 in drawn(screen.consent_url_line) and url in drawn(screen.consent_url_line)
        assert screen.check_action("show_qr", ()) is True
        modal = await open_qr(pilot)
        code = modal.query_one(QRCode)
        assert code.rows == qr.lines(url)
        await pilot.pause()
        assert not modal.has_class("-too-narrow") and not modal.has_class("-stacked")
        # The whole code is on screen, the address beside it.
        assert code.region.width == len(code.rows[0]) and code.region.height == len(code.rows)
        assert code.region.bottom <= 24 and code.region.right <= 80
        assert url in drawn(modal.query_one("#qr-url"))
        await pilot.press("q")  # q toggles it off again
        await pilot.pause()
        assert app.screen is screen


async def test_qr_code_is_for_option_1_only(make_app):
    h = await step1(make_app, "default")
    async with h.app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = authorize_screen(h.app)
        assert screen.method == "service-principal" and screen.check_action("show_qr", ()) is False


async def test_ascii_mode_qr_says_when_it_does_not_fit_and_keeps_the_address(make_app):
    h = await step1(make_app, "restricted")
    app = h.app
    glyphs.use_ascii(True)  # what build_app(ascii=True) does; the harness builds a Unicode app
    url = consent_url(h)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert OSC8 not in drawn(authorize_screen(app).consent_url_line)
        modal = await open_qr(pilot)
        assert modal.query_one(QRCode).rows == qr.lines(url, ascii=True)
        assert modal.has_class("-too-narrow") and not modal.query_one(QRCode).display
        assert "QR code needs 90 columns" in str(modal.query_one("#qr-too-narrow").content)
        assert not modal.query_one("#qr-scan").display
        assert str(modal.query_one("#qr-url").content) == url
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not modal.has_class("-too-narrow") and modal.query_one(QRCode).display


async def test_device_login_address_as_a_qr_code_closes_once_signed_in(live):
    app, _, made = live
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = signin_screen(app)
        assert screen.check_action("show_qr", ()) is False  # no code yet
        await pilot.press("s")
        panel = await wait_for_device_code(pilot)
        assert OSC8 in drawn(panel.query_one("#device-open"))
        await pilot.press("q")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, QRModal) and modal.query_one(QRCode).rows == qr.lines(DEVICE_URL)
        assert "GQ2LDJ7XK" in str(modal.query_one("#qr-title").content)  # the code to type goes with it
        made[0][0].signed_in.set()  # the operator finished on their phone
        await settle(pilot)
        assert app.screen is screen and app.signed_in


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_the_qr_dialog_keeps_its_close_key_in_view(make_app, size):
    """However far the code scrolls, the dialog's own footer says how to close it (#15 item 8)."""
    h = await step1(make_app, "restricted")
    async with h.app.run_test(size=size) as pilot:
        await settle(pilot)
        modal = await open_qr(pilot)
        await pilot.pause()
        (close,) = [k for k in modal.query("FooterKey") if getattr(k, "action", "") == "close"]
        assert close.region.bottom == size[1] and close.region.right <= size[0]
        assert "Help" not in " ".join(str(getattr(k, "description", "")) for k in modal.query("FooterKey"))
