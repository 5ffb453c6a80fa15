"""Suite-wide set-up: nothing a test runs writes to the real home directory, parallel workers share no file,
and the sandbox's RSA keys come from a small pool made once per worker."""

from __future__ import annotations

import itertools
import os
import sys
import tempfile

import pytest

MADE = "BYOK_TUI_TEST_LOG_MADE"
"""Set when the log path below is the suite's own throw-away one (not a developer's BYOK_TUI_LOG)."""


WORKERS_PER_CORE = 1.5
"""`-n auto` (pyproject's addopts) starts this many pytest-xdist workers per core, not one: a test spends about
40% of its time waiting rather than computing (Pilot's idle waits, CLI subprocesses, the served sandbox's
sockets and live-mode waits), so one worker per core left the cores idle that long. Measured on the 2-core
machine, quiet: 2 workers 7:01, 3 workers 4:18, 4 workers 4:26 (more CPU lost to contention than waits
filled)."""


def pytest_xdist_auto_num_workers(config) -> int | None:
    """The number `-n auto` means: WORKERS_PER_CORE per usable core. PYTEST_XDIST_AUTO_NUM_WORKERS (as in
    stock xdist) and `-n N` still decide when given; `-n logical` is left to xdist."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses != "auto":
        return None  # xdist's own hook reads the variable
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, round(WORKERS_PER_CORE * cores))


def pytest_configure(config) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _compile_the_package()
    # Every command logs by default to the user's log directory; tests (and the CLI subprocesses they
    # start, which inherit the environment) log to a throw-away directory instead. Tests of the default
    # location clear this variable themselves. Under pytest-xdist each worker inherits the controller's
    # environment: it makes a directory of its own, so no two processes rotate the same log file.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if "BYOK_TUI_LOG" in os.environ and not (worker and os.environ.get(MADE)):
        return
    folder = tempfile.mkdtemp(prefix=f"byok-tui-test-log-{worker + '-' if worker else ''}")
    os.environ["BYOK_TUI_LOG"] = os.path.join(folder, "byok-tui.log")
    os.environ[MADE] = "1"


def _compile_the_package() -> None:
    """Byte-compile the project once, before the workers start, as installing it (not editable) would.

    An editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set (as on the CI machines) no
    import writes a .pyc either: every worker and every CLI subprocess a test starts compiled each module it
    imported, again and again. compileall writes only what is missing or stale."""
    import compileall
    import importlib.util

    for package in ("byok_tui", "byok_tui.screens"):
        spec = importlib.util.find_spec(package)
        for location in spec.submodule_search_locations or [] if spec else []:
            compileall.compile_dir(location, quiet=1)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """Test modules keep their rewritten bytecode between runs, as pytest does by default.

    pytest rewrites each test module's asserts on import and caches the result in __pycache__, unless
    PYTHONDONTWRITEBYTECODE is set (as on these machines): then every worker parsed and rewrote every test
    module again on every run, 3.3 s of a core per worker. Bytecode is written only while collecting (test
    modules and their conftests are imported then); a cached file is read either way."""
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, False
    try:
        return (yield)
    finally:
        sys.dont_write_bytecode = saved


_pools: dict[int, itertools.cycle] = {}


@pytest.fixture(autouse=True)
def pooled_rsa_keys(monkeypatch):
    """Every key the in-process sandbox makes (a vault key, a rotation, a scenario's keys) comes from a pool
    of two per size, made once per worker and alternating, so two versions in a row still differ. A 3072-bit
    key costs 0.1-0.6 s of a core to generate; the screen tests made one for nearly every test. The keys are
    immutable, so sharing them shares no state. (CLI subprocesses still generate their own.)"""
    from byok_tui.sandbox import keycrypto

    real = keycrypto.generate

    def pooled(size: int):
        if size not in _pools:
            _pools[size] = itertools.cycle([real(size), real(size)])
        return next(_pools[size])

    monkeypatch.setattr(keycrypto, "generate", pooled)
