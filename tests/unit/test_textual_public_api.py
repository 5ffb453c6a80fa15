"""byok-tui uses Textual's public API only, except inside its performance package (byok_tui.perf).

A private Textual name (one that starts with an underscore) can change in any release; using one pins
Textual and makes each upgrade an investigation. Three ways one gets in, three checks:

- an import from a private Textual module (`textual._path`, `textual.widgets._select`) or of a private
  name from any Textual module;
- a class of ours that defines a name starting with `_` which a Textual class it inherits from also
  defines: an override of Textual's internals (`_on_mount`, `_watch_value`, `_refresh_layout`);
- reading or writing `something._name` where `_name` is one of Textual's private names and nothing of
  ours defines it (so it can only be Textual's: `app._filters`, `select._allow_blank`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from functools import cache
from pathlib import Path
from types import ModuleType

import textual

import byok_tui
from byok_tui import screens

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [ROOT / "byok_tui", ROOT / "screens"]
PERF = ROOT / "byok_tui" / "perf"


def product_files() -> list[Path]:
    return sorted(
        path for top in PRODUCT for path in top.rglob("*.py") if PERF not in path.parents and path != PERF
    )


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@cache
def textual_private_names() -> frozenset[str]:
    """Every private name Textual's own source defines: functions, classes, attributes it assigns."""
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found = [node.name]
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found = [node.attr]
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found = [node.id]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                found = [node.target.id]
            else:
                continue
            names.update(n for n in found if is_private(n))
    return frozenset(names)


@cache
def our_private_names() -> frozenset[str]:
    """Private names the product defines itself (methods, attributes it assigns, module globals)."""
    names: set[str] = set()
    for path in product_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return frozenset(n for n in names if is_private(n))


def private_imports(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "textual":
                if any(is_private(part) for part in node.module.split(".")):
                    found.append(f"{path.name}:{node.lineno} from {node.module}")
                found += [f"{path.name}:{node.lineno} {alias.name} from {node.module}"
                          for alias in node.names if is_private(alias.name)]  # fmt: skip
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.name}:{node.lineno} import {alias.name}"
                    for alias in node.names
                    if alias.name.split(".")[0] == "textual" and any(map(is_private, alias.name.split(".")))
                ]
    return found


def defined_in_class(node: ast.ClassDef) -> set[str]:
    """Private names a class body defines, and those its methods assign on `self`."""
    names = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(item.name)
            names.update(
                sub.attr
                for sub in ast.walk(item)
                if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                and isinstance(sub.value, ast.Name) and sub.value.id == "self"
            )  # fmt: skip
        elif isinstance(item, ast.Assign):
            names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
    return {n for n in names if is_private(n)}


def private_overrides(module: ModuleType) -> list[str]:
    """Private names that a class of `module` defines and a Textual class it inherits from defines too."""
    found = []
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    for node in tree.body:
        cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
        if not inspect.isclass(cls):
            continue
        textual_bases = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] == "textual"]
        for name in sorted(defined_in_class(node)):
            if any(
                hasattr(base, name) or name in getattr(base, "__annotations__", {}) for base in textual_bases
            ):
                found.append(f"{module.__name__}.{cls.__qualname__}.{name}")
    return found


def private_attributes(paths: list[Path], ours: frozenset[str]) -> list[str]:
    """`x._name` where `_name` is Textual's and not one of `ours`."""
    theirs_only = textual_private_names() - ours
    return [
        f"{path.name}:{node.lineno} .{node.attr}"
        for path in paths
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in theirs_only
    ]


def product_modules() -> list[str]:
    names = []
    for package in (byok_tui, screens):
        names += [
            info.name
            for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
            if not info.name.startswith("byok_tui.perf") and not info.name.endswith("__main__")
        ]
    return sorted(set(names))


def test_no_import_of_a_private_textual_module_or_name() -> None:
    found = private_imports(product_files())
    assert not found, "private Textual modules or names imported outside byok_tui.perf:\n" + "\n".join(found)


def test_no_class_of_ours_overrides_a_private_textual_name() -> None:
    found = [hit for name in product_modules() for hit in private_overrides(importlib.import_module(name))]
    assert not found, "Textual internals overridden outside byok_tui.perf:\n" + "\n".join(found)


def test_no_private_textual_attribute_is_read_or_written() -> None:
    found = private_attributes(product_files(), our_private_names())
    assert not found, "private Textual attributes used outside byok_tui.perf:\n" + "\n".join(found)


SNEAKY = """
from textual._path import _css_path_type_as_list
from textual.app import App
from textual.widgets import Footer


class Sneaky(Footer):
    _bindings_ready = True

    def _on_mount(self, event):
        self._mine = event


def add_filter(app: App) -> None:
    app._filters.append(None)
"""


def test_the_checks_find_each_kind_of_use(tmp_path: Path) -> None:
    # The checks above pass on a clean tree; this shows they fail on each kind of use they look for.
    path = tmp_path / "sneaky_module.py"
    path.write_text(SNEAKY, encoding="utf-8")
    assert private_imports([path]) == [
        "sneaky_module.py:2 from textual._path",
        "sneaky_module.py:2 _css_path_type_as_list from textual._path",
    ]
    spec = importlib.util.spec_from_file_location("sneaky_module", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert private_overrides(module) == [
        "sneaky_module.Sneaky._bindings_ready",
        "sneaky_module.Sneaky._on_mount",
    ]
    assert private_attributes([path], our_private_names()) == ["sneaky_module.py:15 ._filters"]
