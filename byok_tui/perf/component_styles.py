"""A stylesheet that restyles a widget's component classes in place instead of rebuilding them.

Textual styles a widget's component classes (an Input's cursor, a footer key's key and description, a
radio button's dot) through "virtual" DOM nodes. Each restyle of the widget (focus, hover, a class
change) makes a new virtual node per component, and drops the old ones. A virtual node is a small
graph of cycles (node, styles, bindings, signals, weak sets): about fifty objects that only the full
garbage collector can free. Over one wizard flow that was 3,400 nodes, about half of all the garbage,
and the full collections that free it are the UI's longest pauses (see `byok_tui.idle_gc`).

Here each widget keeps its virtual nodes, and a restyle re-applies the stylesheet to them. The result
is the same rules on the same kind of node; the widget is refreshed when they changed, as before.
Only this App uses it (`install`), so a bare Textual app is untouched.
"""

from __future__ import annotations

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode


class ComponentReusingStylesheet(Stylesheet):
    def _process_component_classes(self, node: DOMNode) -> None:
        component_classes = node._get_component_classes()
        if not component_classes:
            return
        kept = node._component_styles
        for stale in kept.keys() - component_classes:
            del kept[stale]
        changed = False
        for component in sorted(component_classes):
            styles = kept.get(component)
            virtual = styles.node if styles is not None else None
            if virtual is None or virtual._parent is not node:
                virtual = DOMNode(classes=component)
                virtual._attach(node)
                self.apply(virtual, animate=False)
                kept[component] = virtual.styles
                changed = True
                continue
            before = (dict(styles.base._rules), dict(styles.inline._rules))
            # `apply` leaves a node alone when no rule matches it; a fresh node would then have none.
            self.replace_rules(virtual, {}, animate=False)
            self.apply(virtual, animate=False)
            changed = changed or before != (styles.base._rules, styles.inline._rules)
        if changed:
            node.refresh()


def install(app: App) -> None:
    """Use the reusing stylesheet for `app` (call in `__init__`, before any CSS is read)."""
    app.stylesheet.__class__ = ComponentReusingStylesheet
