"""Imports only point down: the UI never touches an SDK, the engine never touches Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_UI = ("azure", "msgraph", "httpx", "byok_tui.azure", "byok_tui.sandbox", "byok_tui.kore")
FORBIDDEN_IN_ENGINE = ("textual", "byok_tui.app", "byok_tui.screens", "byok_tui.sandbox")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_screens_and_app_import_no_sdk_and_no_sandbox():
    files = [ROOT / "byok_tui" / "app.py", *sorted((ROOT / "screens").rglob("*.py"))]
    assert offenders(files, FORBIDDEN_IN_UI) == []


def test_engine_imports_no_ui():
    files = sorted((ROOT / "byok_tui" / "engine").rglob("*.py"))
    assert offenders(files, FORBIDDEN_IN_ENGINE) == []


def test_adapters_import_no_engine_or_ui():
    files = sorted((ROOT / "byok_tui" / "azure").rglob("*.py"))
    assert offenders(files, ("textual", "byok_tui.engine", "byok_tui.app", "byok_tui.screens")) == []


def test_importing_the_engine_loads_neither_textual_nor_an_sdk():
    code = (
        "import sys, byok_tui.engine.vault, byok_tui.engine.runner;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'azure', 'msgraph', 'httpx')];"
        "print(','.join(sorted(bad)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_product_never_imports_its_test_support():
    # byok_tui.testing drives the App under Pilot on a sandbox: the wizard's start must not pay for it.
    product = [p for p in [*(ROOT / "byok_tui").rglob("*.py"), *(ROOT / "screens").rglob("*.py")]
               if "testing" not in p.relative_to(ROOT).parts]  # fmt: skip
    assert product and offenders(product, ("byok_tui.testing",)) == []


def test_nothing_outside_tests_imports_from_tests():
    # bench/ and tools/ take their support from byok_tui.testing, so tests/ can move freely.
    files = [*(ROOT / "byok_tui").rglob("*.py"), *(ROOT / "screens").rglob("*.py"), *(ROOT / "bench").rglob("*.py"),
             *(ROOT / "tools").rglob("*.py")]  # fmt: skip
    found = offenders(files, ("tests",))
    # Imports inside functions count too: ast.walk sees every Import node.
    assert found == []
