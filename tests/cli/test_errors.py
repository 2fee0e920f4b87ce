"""Every ``planning`` command: an unexpected exception is one line and exit code 1.

Real subprocesses: the interpreter runs ``planning_lib.cli.main.main`` as the console script
does, with one command's ``run`` replaced by one that fails the way a bug would.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from planning_lib.cli.main import COMMANDS
from planning_lib.core.paths import ROOT

# replace the command's run() by one raising a KeyError with a two-line message, then run
# the CLI exactly as the console script does (sys.exit(main()))
BROKEN = (
    "import sys, importlib\n"
    "mod = importlib.import_module('planning_lib.cli.' + sys.argv[1])\n"
    "def run(args):\n"
    "    raise KeyError(\"['mrr_end_eur'] not found\\nin axis\")\n"
    "mod.run = run\n"
    "from planning_lib.cli.main import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", BROKEN, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


ARGS = {  # arguments the parsers require (run() never looks at them)
    "controlling": ["--config", "c.yaml", "--actuals", "data", "--out", "out"],
    "plan": ["--config", "c.yaml", "--out", "out"],
    "versions": ["list"],
}
CTL = ["controlling", *ARGS["controlling"]]


@pytest.mark.parametrize("command", sorted(ARGS))
def test_unexpected_error_is_one_line_and_exit_1(command):
    """Without --debug: exit 1, stderr exactly one line naming the command and the
    exception type and message (the message's line break folded into a space), no
    traceback, nothing on stdout."""
    proc = _run([COMMANDS[command], command, *ARGS[command]])
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: planning {command} stopped unexpectedly: KeyError: ")
    assert "['mrr_end_eur'] not found in axis" in lines[0]
    assert f"planning --debug {command}" in lines[0]
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback():
    """With the global --debug flag the full traceback is on stderr; exit code still 1."""
    proc = _run(["controlling", "--debug", *CTL])
    assert proc.returncode == 1
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert "KeyError" in proc.stderr.splitlines()[-1]
    assert "in run" in proc.stderr


def test_usage_errors_keep_argparse_exit_2():
    """A usage error is not an unexpected exception: argparse's message and exit code 2."""
    proc = _run(["controlling", *CTL, "--no-such-option"])
    assert proc.returncode == 2
    assert "usage: planning" in proc.stderr
    assert "unrecognized arguments: --no-such-option" in proc.stderr
