"""A check result or a planned change is one widget that draws its parts (#17); what the operator selects
with the mouse and copies is still the parts' own text, as it was when each part was a Static."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll

from byok_tui.engine.model import Change, CheckResult
from byok_tui.screens.widgets.checks import CheckView
from byok_tui.screens.widgets.plan import ChangeView

DETAIL = "The vault refused to wrap with the key kore-byok-cmk: the caller has no key permissions at all"
RESULT = CheckResult(
    id="t", title="Encryption", status="fail", detail=DETAIL, remedy="Grant the role", request_id="1a2b"
)
TARGET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-contoso-prod"
    "/providers/Microsoft.KeyVault/vaults/kv-contoso-byok"
)
CHANGE = Change(
    id="c", title="Create the vault", target=TARGET, az="az keyvault create --name 'kv-contoso-byok'"
)


class Shell(App):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield CheckView(RESULT, timings=False)
            yield ChangeView(1, CHANGE)


async def drag(pilot, widget, start: tuple[int, int], end: tuple[int, int]) -> str:
    await pilot.mouse_down(widget, offset=start)
    await pilot.hover(widget, offset=end)
    await pilot.mouse_up(widget, offset=end)
    await pilot.pause()
    return pilot.app.screen.get_selected_text() or ""


async def test_a_selection_copies_the_parts_text_not_the_wrapped_indented_lines():
    app = Shell()
    async with app.run_test(size=(40, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(CheckView)
        drawn = view.drawn_lines
        assert drawn[1].startswith("  The vault") and len(drawn) > 4, drawn  # the detail wraps, indented
        fix = next(y for y, line in enumerate(drawn) if line.startswith("  Fix: "))
        # From the detail's first character (after its 2-cell indent) to the 'G' of the fix.
        selected = await drag(pilot, view, (2, 1), (7, fix))
        assert selected == f"{DETAIL}\nFix: G"


async def test_a_resource_id_selects_as_drawn_broken_after_slashes():
    app = Shell()
    async with app.run_test(size=(40, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(ChangeView)
        drawn = view.drawn_lines
        first = next(y for y, line in enumerate(drawn) if line[4:].startswith("/subscriptions/"))
        last = next(y for y, line in enumerate(drawn) if line.rstrip().endswith("kv-contoso-byok"))
        selected = await drag(pilot, view, (4, first), (len(drawn[last].rstrip()) - 1, last))
        assert selected == view.part("change-target")
        assert selected.replace("\n", "") == TARGET and selected.count("\n") == last - first > 0
