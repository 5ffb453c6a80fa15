"""Textual's Footer, rebuilt only when what it shows changes.

Textual's Footer recomposes all its keys every time the screen's bindings *may* have changed: each focus
move, each `refresh_bindings()`, each screen switch. Every rebuild throws away a dozen FooterKey widgets
plus the "virtual" nodes Textual creates to style their component classes, all of them objects in
reference cycles. Over the wizard's flow that was 1,556 dead FooterKeys and 9,908 virtual nodes, about
80 % of the DOM garbage that the full collections then spent 100-300 ms freeing (docs/performance.md,
"UI stalls"). Most of those rebuilds drew exactly the same keys, so this footer compares what it would
draw with what it drew last and skips the identical rebuilds.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def footer_signature(screen: Screen, app: App, show_command_palette: bool) -> tuple[Hashable, ...]:
    """Everything `Footer.compose` reads, as a comparable value: equal signatures draw the same keys."""
    shown = tuple(
        (
            key,
            binding.key,
            binding.show,
            app.get_key_display(binding),
            binding.description,
            binding.action,
            enabled,
            tooltip,
            binding.tooltip,
            (binding.group.description, binding.group.compact) if binding.group is not None else None,
        )
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == app.COMMAND_PALETTE_BINDING  # what compose reads, nothing else
    )
    return shown, show_command_palette, app.ENABLE_COMMAND_PALETTE


HELP_ACTIONS = ("help", "app.help")


class StableFooter(Footer):
    """A Footer that recomposes only when its keys, their labels or their enabled state change.

    Its Help key carries the class `-help`: in a cramped terminal it docks at the right end (as Textual's own
    palette key does), so the way to every other key never scrolls out of view."""

    _drawn: tuple[Hashable, ...] | None = None
    """What the keys on show were composed from (None: none composed yet)."""
    _keys_ready = False
    """Textual's Footer has marked its bindings ready (it composes nothing until then)."""

    def compose(self) -> ComposeResult:
        if self._keys_ready:
            self._drawn = footer_signature(self.screen, self.app, self.show_command_palette)
        for widget in super().compose():
            # FooterKey is not exported by textual.widgets: it is known by the action it carries.
            if getattr(widget, "action", None) in HELP_ACTIONS:
                widget.add_class("-help")
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if not self._keys_ready:
            # The first time, Textual's own: it marks the bindings ready and composes the keys.
            self._keys_ready = True
            super().bindings_changed(screen)
            return
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        if footer_signature(self.screen, self.app, self.show_command_palette) == self._drawn:
            return
        await self.recompose()
