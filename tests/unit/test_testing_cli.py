"""The in-process runner (`byok_tui.testing.cli.run`) answers as the entry point would and leaves nothing of
the command behind in the test process."""

from __future__ import annotations

import logging
import os
import signal

from byok_tui import headless
from byok_tui.testing.cli import run, subprocess_run


def test_it_answers_as_the_entry_point_does():
    for args in (("--version",), ("run",), ("export", "--format", "moon")):
        inside, outside = run(*args), subprocess_run(*args)
        assert (inside.returncode, inside.stdout, inside.stderr) == (
            outside.returncode,
            outside.stdout,
            outside.stderr,
        ), args


def test_a_headless_command_leaves_logging_signals_env_and_cwd_as_they_were(tmp_path):
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("byok_tui").level, logging.raiseExceptions)
    signals = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    environ, cwd = dict(os.environ), os.getcwd()
    log = tmp_path / "byok.log"
    result = run("verify", "--session", str(tmp_path / "none.json"), "--log-file", str(log), "--verbose",
                 env={**environ, "BYOK_TUI_EXTRA": "1"}, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2 and result.stderr.rstrip().endswith(f"details: {log}")
    assert "verify failed" in log.read_text()
    after = (list(root.handlers), root.level, logging.getLogger("byok_tui").level, logging.raiseExceptions)
    assert after == before
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == signals
    assert dict(os.environ) == environ and os.getcwd() == cwd


def test_an_unexpected_error_ends_as_the_interpreter_would(tmp_path, monkeypatch):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(headless, "export", broken)
    result = run("export", "--session", str(tmp_path / "s.json"), "--log-file", str(tmp_path / "log"))
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr
