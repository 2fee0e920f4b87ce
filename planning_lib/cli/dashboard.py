"""``planning dashboard``: serve the Szenario-Cockpit with Voila on the loopback interface.

Voila (>= 0.5.6, which closes the file-read hole CVE-2024-30265) serves exactly one
notebook, ``notebooks/szenario_cockpit.ipynb``, on 127.0.0.1, through
:mod:`planning_lib.app.server` (kernel WebSocket v1 only, Host allowlist against DNS
rebinding, a cap on kernels, no CDN). Tracebacks are never sent to the page
(``show_tracebacks=False``); the kernel logs them to this process's stderr. A random
token protects the app unless ``--no-token`` is given; idle kernels without an open page
are culled. To serve a team, put a reverse proxy with authentication in front of it
instead of binding to another interface.

``planning dashboard`` owns its Voila child: SIGTERM, SIGINT and SIGHUP stop Voila and
its kernels, and the child gets SIGTERM from the kernel (``PR_SET_PDEATHSIG``) when this
process dies without cleaning up (``kill -9``).
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from planning_lib.app.runtime import CONFIG_ENV, VERSIONS_ENV
from planning_lib.core.paths import CONFIGS, NOTEBOOKS

__all__ = [
    "ALLOWED_HOSTS",
    "HELP",
    "NAME",
    "NOTEBOOK",
    "VOILA_LAUNCHER",
    "add_arguments",
    "die_with_parent",
    "free_port",
    "port_in_use",
    "run",
    "start_voila",
    "stop_voila",
    "voila_command",
    "wait_for_port",
]

NAME = "dashboard"
HELP = "Start the Szenario-Cockpit (Voila app) on 127.0.0.1."
NOTEBOOK: Path = NOTEBOOKS / "szenario_cockpit.ipynb"

ALLOWED_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1")
"""Host names the server answers to (DNS-rebinding guard); ``--allow-host`` adds more."""

CULL_IDLE_SECONDS = 600
"""A kernel without an open page and idle this long is shut down (closed tabs)."""

MAX_KERNELS = 6
"""Most kernels at once (one per open page, ~250 MB each)."""

log = logging.getLogger(__name__)

VOILA_LAUNCHER = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from planning_lib.app.server import main; sys.exit(main())"
)
"""``python -c`` program that starts the cockpit's Voila without importing ``rfc3987_syntax``.

:func:`planning_lib.app.server.main` is Voila's ``main`` with the cockpit's guards.
jsonschema imports that optional package (via jupyter_events) only to check the 'iri'
string format, and it builds a Lark grammar on import: 2-4 s of Voila's start on this
machine, for a format no schema Voila validates uses. Blocking the import makes
jsonschema skip that format checker.
"""


def voila_command(
    notebook: Path = NOTEBOOK,
    port: int = 8866,
    token: str | None = None,
    python: str = sys.executable,
    preheat: bool = False,
    base_url: str = "/",
    allowed_hosts: Sequence[str] = ALLOWED_HOSTS,
    cull_idle_seconds: int = CULL_IDLE_SECONDS,
    max_kernels: int = MAX_KERNELS,
) -> list[str]:
    """The Voila command line: loopback only, no browser, no tracebacks on the page.

    Runs :mod:`planning_lib.app.server` through :data:`VOILA_LAUNCHER`.

    Args:
        notebook: the app notebook.
        port: TCP port on 127.0.0.1 (no fallback to another port).
        token: access token (``?token=...`` in the URL); None = no token.
        python: interpreter with voila installed.
        preheat: keep one kernel with the app already executed, so a page opens in
            about half the time (costs one idle kernel).
        base_url: URL prefix when a reverse proxy serves the app under a path
            (e.g. '/cockpit/').
        allowed_hosts: Host header names answered; any other name gets 403.
        cull_idle_seconds: shut a kernel down when no page is connected and it has been
            idle this long (checked every min(60, half of it) seconds); 0 = never.
        max_kernels: most kernels at once (further pages get 503); 0 = no limit.

    Raises:
        ValueError: the port is outside 1..65535, the base URL is not '/…/', a host
            name is empty or holds a port, a number is negative.
    """
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is outside 1..65535")
    if not (base_url.startswith("/") and base_url.endswith("/")) or "//" in base_url:
        raise ValueError(f"base URL {base_url!r} must start and end with '/'")
    hosts = [h.strip().lower() for h in allowed_hosts]
    for h in hosts:
        if not h or any(c in h for c in ":/ ,"):
            raise ValueError(f"host name {h!r} must be a bare name like 'cockpit.example.de'")
    if cull_idle_seconds < 0 or max_kernels < 0:
        raise ValueError("cull seconds and max kernels must be 0 or more")
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
        "--VoilaConfiguration.multi_kernel_manager_class="
        "planning_lib.app.server.CockpitKernelManager",
        f"--CockpitKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_seconds}",
        f"--MappingKernelManager.cull_interval={min(60, max(1, cull_idle_seconds // 2))}",
        *(f"--CockpitVoila.allowed_hosts={h}" for h in hosts),
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


def port_in_use(port: int) -> bool:
    """True when 127.0.0.1:``port`` cannot be bound now (another server holds it).

    Binds as Voila does (tornado sets SO_REUSEADDR), so a port in TIME_WAIT after a
    stopped cockpit counts as free.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGTERM when the process that started it dies.

    Linux ``prctl(PR_SET_PDEATHSIG, SIGTERM)``; if the parent is already gone when the
    child runs this, the child ends itself. A no-op where prctl is missing.
    """
    parent = os.getpid() if parent_pid is None else parent_pid

    def preexec() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def start_voila(
    port: int,
    log_file: Path,
    token: str | None = None,
    config: Path | None = None,
    preheat: bool = False,
    cull_idle_seconds: int = CULL_IDLE_SECONDS,
    max_kernels: int = MAX_KERNELS,
) -> subprocess.Popen[bytes]:
    """Start Voila with the app in the background (own process group), output to ``log_file``.

    The caller stops it with :func:`stop_voila`; it also ends when the calling thread
    dies (``PR_SET_PDEATHSIG``), so call it from a thread that outlives the server.
    """
    env = {**os.environ, CONFIG_ENV: str(config or CONFIGS / "cloudflow.yaml")}
    cmd = voila_command(
        port=port,
        token=token,
        preheat=preheat,
        cull_idle_seconds=cull_idle_seconds,
        max_kernels=max_kernels,
    )
    with open(log_file, "ab") as out:
        return subprocess.Popen(
            cmd,
            env=env,
            cwd=NOTEBOOK.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )


def stop_voila(proc: subprocess.Popen, timeout: float = 15.0) -> int:
    """Stop Voila: SIGTERM (it shuts its kernels down), after ``timeout`` s SIGKILL.

    The SIGKILL goes to Voila's process group; kernels left behind notice their parent
    is gone (ipykernel's parent poller) and exit. Returns Voila's exit code.
    """
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("Voila did not stop within %.0f s after SIGTERM: SIGKILL", timeout)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


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
    """Options: --port, --token/--no-token, --config, --preheat, --base-url, --allow-host,
    --cull-idle, --max-kernels."""
    parser.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (8866)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument(
        "--token",
        default=None,
        help="access token (default: a new random token, printed in the URL)",
    )
    auth.add_argument(
        "--no-token",
        action="store_true",
        help="no token: every program and web page on this machine can use the app",
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
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer to this Host name (a reverse proxy's); localhost and 127.0.0.1 always",
    )
    parser.add_argument(
        "--versions-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="plan versions the cockpit saves to and compares with (default data/versions)",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=CULL_IDLE_SECONDS,
        metavar="SECONDS",
        help=f"shut a kernel with no open page down after this idle time ({CULL_IDLE_SECONDS})",
    )
    parser.add_argument(
        "--max-kernels",
        type=int,
        default=MAX_KERNELS,
        metavar="N",
        help=f"most open pages (kernels, ~250 MB each) at once ({MAX_KERNELS}; 0 = no limit)",
    )


class _Stop(Exception):
    """Raised by the signal handler in :func:`run`: stop Voila and return."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def run(args: argparse.Namespace) -> int:
    """Run Voila until it stops or this process gets SIGTERM/SIGINT/SIGHUP.

    Prints the URL (with the token) only once Voila listens; a busy port is an error
    before anything is printed. Returns Voila's exit code, 0 after a stop signal,
    2 for bad options or a busy port.
    """
    config = Path(args.config).resolve()
    if not config.is_file():
        log.error("config file not found: %s", config)
        return 2
    if not NOTEBOOK.is_file():
        log.error("app notebook not found: %s", NOTEBOOK)
        return 2
    token = None if args.no_token else (args.token or secrets.token_urlsafe(24))
    try:
        cmd = voila_command(
            port=args.port,
            token=token,
            preheat=args.preheat,
            base_url=args.base_url,
            allowed_hosts=(*ALLOWED_HOSTS, *args.allow_host),
            cull_idle_seconds=args.cull_idle,
            max_kernels=args.max_kernels,
        )
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    if port_in_use(args.port):
        log.error(
            "Port %d auf 127.0.0.1 ist belegt (läuft das Cockpit schon?); "
            "wählen Sie einen anderen mit --port. / port %d is in use.",
            args.port,
            args.port,
        )
        return 2
    env = {**os.environ, CONFIG_ENV: str(config)}
    if args.versions_dir is not None:
        env[VERSIONS_ENV] = str(Path(args.versions_dir).resolve())
    url = f"http://127.0.0.1:{args.port}{args.base_url}" + (f"?token={token}" if token else "")

    stop_signals = [signal.SIGTERM, signal.SIGINT]
    if hasattr(signal, "SIGHUP"):  # closing the terminal
        stop_signals.append(signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in stop_signals}
    proc = None
    try:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=NOTEBOOK.parent,
            start_new_session=True,  # Ctrl+C reaches this process only; it stops Voila
            preexec_fn=die_with_parent(),
        )
        try:
            wait_for_port(args.port, timeout=120, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            code = stop_voila(proc)
            if code == 0:
                return 0
            log.error("Voila did not start serving on port %d: %s", args.port, exc)
            return code if code > 0 else 1
        sys.stderr.write(f"Szenario-Cockpit: {url}  (Strg+C beendet / Ctrl+C stops)\n")
        sys.stderr.flush()
        return proc.wait()
    except _Stop as stop:
        for sig in stop_signals:  # a second Ctrl+C must not cut the shutdown short
            signal.signal(sig, signal.SIG_IGN)
        log.info("%s: stopping Voila and its kernels", signal.Signals(stop.signum).name)
        if proc is not None:
            stop_voila(proc)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
