"""``planning dashboard``: serve the Szenario-Cockpit with Voila on the loopback interface.

Voila (>= 0.5.6, which closes the file-read hole CVE-2024-30265) serves exactly one
notebook, ``notebooks/szenario_cockpit.ipynb``, on 127.0.0.1. Tracebacks are never
sent to the page (``show_tracebacks=False``); the kernel logs them to this process's
stderr. To serve a team, put a reverse proxy with authentication in front of it
instead of binding to another interface.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from planning_lib.cockpit_runtime import CONFIG_ENV
from planning_lib.paths import CONFIGS, NOTEBOOKS

__all__ = [
    "HELP",
    "NAME",
    "NOTEBOOK",
    "VOILA_LAUNCHER",
    "add_arguments",
    "free_port",
    "run",
    "start_voila",
    "voila_command",
    "wait_for_port",
]

NAME = "dashboard"
HELP = "Start the Szenario-Cockpit (Voila app) on 127.0.0.1."
NOTEBOOK: Path = NOTEBOOKS / "szenario_cockpit.ipynb"

log = logging.getLogger(__name__)

VOILA_LAUNCHER = (
    "import sys; sys.modules['rfc3987_syntax'] = None; from voila.app import main; sys.exit(main())"
)
"""``python -c`` program that starts Voila without importing ``rfc3987_syntax``.

jsonschema imports that optional package (via jupyter_events) only to check the 'iri'
string format, and it builds a Lark grammar on import: 2-4 s of Voila's start on this
machine, for a format no schema Voila validates uses. Blocking the import makes
jsonschema skip that format checker; everything else is plain ``python -m voila``.
"""


def voila_command(
    notebook: Path = NOTEBOOK,
    port: int = 8866,
    token: str | None = None,
    python: str = sys.executable,
    preheat: bool = False,
    base_url: str = "/",
) -> list[str]:
    """The Voila command line: loopback only, no browser, no tracebacks on the page.

    Runs Voila through :data:`VOILA_LAUNCHER` (``python -m voila`` minus a slow import).

    Args:
        notebook: the app notebook.
        port: TCP port on 127.0.0.1 (no fallback to another port).
        token: access token (``?token=...`` in the URL); None = no token.
        python: interpreter with voila installed.
        preheat: keep one kernel with the app already executed, so a page opens in
            about half the time (costs one idle kernel).
        base_url: URL prefix when a reverse proxy serves the app under a path
            (e.g. '/cockpit/').

    Raises:
        ValueError: the port is outside 1..65535 or the base URL is not '/…/'.
    """
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is outside 1..65535")
    if not (base_url.startswith("/") and base_url.endswith("/")) or "//" in base_url:
        raise ValueError(f"base URL {base_url!r} must start and end with '/'")
    cmd = [
        python,
        "-c",
        VOILA_LAUNCHER,
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--show_tracebacks=False",
        # the jupytext lab extension has nothing to do in the app page
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
    ]
    if token:
        cmd.append(f"--token={token}")
    if preheat:
        cmd.append("--preheat_kernel=True")
    if base_url != "/":
        cmd.append(f"--Voila.base_url={base_url}")
    return cmd


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (for tests and the bench)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_voila(
    port: int,
    log_file: Path,
    token: str | None = None,
    config: Path | None = None,
    preheat: bool = False,
) -> subprocess.Popen[bytes]:
    """Start Voila with the app in the background (own process group), output to ``log_file``.

    The caller stops it with ``os.killpg(proc.pid, signal.SIGTERM)``, which also ends
    its kernels.
    """
    env = {**os.environ, CONFIG_ENV: str(config or CONFIGS / "cloudflow.yaml")}
    with open(log_file, "ab") as out:
        return subprocess.Popen(
            voila_command(port=port, token=token, preheat=preheat),
            env=env,
            cwd=NOTEBOOK.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> float:
    """Seconds until 127.0.0.1:``port`` accepts connections.

    Raises:
        TimeoutError: nothing listens within ``timeout``.
        RuntimeError: ``proc`` ended before the port opened.
    """
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"voila exited with code {proc.returncode} before serving")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return time.perf_counter() - t0
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: --port, --token, --config, --preheat, --base-url."""
    parser.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (8866)")
    parser.add_argument(
        "--token", default=None, help="access token; open the app with ?token=TOKEN"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=CONFIGS / "cloudflow.yaml",
        help="plan parameters (YAML); region files are read from regions/ beside it",
    )
    parser.add_argument(
        "--preheat",
        action="store_true",
        help="keep a kernel with the app ready, so pages open faster (one idle kernel)",
    )
    parser.add_argument(
        "--base-url",
        default="/",
        help="URL prefix behind a reverse proxy, e.g. /cockpit/ (default /)",
    )


def run(args: argparse.Namespace) -> int:
    """Run Voila in the foreground until it stops (Ctrl+C); returns its exit code."""
    config = Path(args.config).resolve()
    if not config.is_file():
        log.error("config file not found: %s", config)
        return 2
    if not NOTEBOOK.is_file():
        log.error("app notebook not found: %s", NOTEBOOK)
        return 2
    try:
        cmd = voila_command(
            port=args.port, token=args.token, preheat=args.preheat, base_url=args.base_url
        )
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    env = {**os.environ, CONFIG_ENV: str(config)}
    url = f"http://127.0.0.1:{args.port}{args.base_url}" + (
        f"?token={args.token}" if args.token else ""
    )
    sys.stderr.write(f"Szenario-Cockpit: {url}  (Ctrl+C stops)\n")
    proc = subprocess.Popen(cmd, env=env, cwd=NOTEBOOK.parent)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl+C: let Voila shut its kernels down
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
