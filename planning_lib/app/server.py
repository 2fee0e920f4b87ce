"""The Szenario-Cockpit's web server: Voila with the guards ``planning dashboard`` needs.

This module runs inside the Voila process (``dashboard.VOILA_LAUNCHER`` starts
:func:`main`), never in the kernels. Compared with plain Voila it

* accepts kernel WebSockets only with the subprotocol ``v1.kernel.websocket.jupyter.org``
  (what Voila's own page uses). Without it, jupyter_server falls back to the legacy
  protocol, whose binary frames (any message with buffers, e.g. a PNG of an
  ``ipywidgets.Image``) Voila's ``read_header_from_binary_message`` reads as v1: the
  legacy header ``00 00 00 02 00 00 00 0c`` becomes an offset count of 8.6e17 and the
  list comprehension over it blocks the event loop and grows memory until the OOM
  killer ends the process (voila 0.5.13). The handshake is refused with 400 before
  jupyter_server opens the connection, and binary headers are read with bounds checks;
* answers only requests whose ``Host`` is ``localhost`` or ``127.0.0.1`` (or a name
  given with ``--allow-host``): a DNS-rebinding page (Host = Origin = its own name)
  gets 403 for pages, files and the kernel WebSocket alike;
* starts at most ``CockpitKernelManager.max_kernels`` kernels (503 with a German
  message beyond); idle kernels are culled by jupyter_server's
  ``MappingKernelManager.cull_*`` settings, which ``dashboard.voila_command`` sets;
* sets the ``_xsrf`` cookie on the page, so the page's unload beacon
  (``voila/api/shutdown/<kernel>``) passes the XSRF check and a closed or reloaded tab
  ends its kernel at once (Voila 0.5.13 answers it with 403);
* renders the page without the Font Awesome 4 stylesheet Voila's base template loads
  from cdn.jsdelivr.net (Voila's bundle already ships Font Awesome with the v4 class
  names), so the page makes no request off the machine.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, List, Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = [
    "KERNEL_WS_PROTOCOL",
    "TEMPLATE_ROOT",
    "CockpitKernelManager",
    "CockpitVoila",
    "ForeignHostHandler",
    "GuardedKernelWebsocketHandler",
    "main",
    "v1_header",
]

KERNEL_WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"

TEMPLATE_ROOT = Path(__file__).parent / "templates"
"""Searched before Voila's own template roots: holds ``voila/templates/base/page.html``
(Voila's base page minus the Font Awesome link to cdn.jsdelivr.net)."""


def v1_header(message: bytes) -> dict[str, Any] | None:
    """The header of a kernel message in the v1 WebSocket format, None for anything else.

    Layout (jupyter_server ``serialize_msg_to_ws_v1``): 8 bytes little-endian count n,
    n offsets of 8 bytes, then channel, header, parent header, ... at those offsets.
    The work is bounded by the message length whatever its first bytes say (Voila's
    reader builds a list of n offsets first, n up to 2**64).
    """
    if len(message) < 8:
        return None
    n = int.from_bytes(message[:8], "little")
    table_end = 8 * (n + 1)
    if n < 3 or table_end > len(message):
        return None
    start = int.from_bytes(message[16:24], "little")  # offsets[1]: the header
    end = int.from_bytes(message[24:32], "little")  # offsets[2]: the parent header
    if not table_end <= start <= end <= len(message):
        return None
    try:
        header = json.loads(message[start:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return header if isinstance(header, dict) else None


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel WebSocket, v1 protocol only, with a bounded header reader."""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        if KERNEL_WS_PROTOCOL not in (p.strip() for p in offered.split(",")):
            self.log.warning(
                "Kernel-WebSocket ohne Subprotokoll %s abgewiesen (von %s, angeboten: %r)",
                KERNEL_WS_PROTOCOL,
                self.request.remote_ip,
                offered,
            )
            # answered here: jupyter_server's error page needs settings Voila lacks
            self.set_status(400)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"kernel websocket needs subprotocol {KERNEL_WS_PROTOCOL}\n")
            return
        await super().get(*args, **kwargs)

    def write_message(self, message: bytes | str | dict[str, Any], binary: bool = False):  # type: ignore[override]
        """Drop ``execute_input`` messages as Voila does, reading binary headers safely."""
        if isinstance(message, bytes):
            header = v1_header(message)
        elif isinstance(message, dict):
            header = message.get("header")
        else:
            header = None
        if isinstance(header, dict) and header.get("msg_type") == "execute_input":
            return None
        # skip Voila's write_message (its unbounded reader), keep jupyter_server's
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)


class CockpitPageHandler(TornadoVoilaHandler):
    """Voila's page handler, also setting the ``_xsrf`` cookie.

    On ``beforeunload`` the page posts ``voila/api/shutdown/<kernel>`` with the
    ``_xsrf`` value read from ``document.cookie``. Voila's page handler never sets that
    cookie, so the request failed with 403 ("'_xsrf' argument missing") and every
    closed or reloaded tab left its kernel running until culled.
    """

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        await super().prepare(*args, **kwargs)
        if self.current_user:
            self.xsrf_token  # noqa: B018 - the property sets the cookie when it is missing


class ForeignHostHandler(tornado.web.RequestHandler):
    """Answers every request whose Host header is not an allowed name: 403."""

    def prepare(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(
            "403 Zugriff verweigert: Das Szenario-Cockpit antwortet nur unter "
            "http://127.0.0.1 oder http://localhost (Schutz gegen DNS-Rebinding). / "
            "Forbidden: unknown Host header.\n"
        )


class CockpitKernelManager(AsyncMappingKernelManager):
    """The kernel manager with an upper bound on the number of kernels."""

    max_kernels = Integer(
        6,
        config=True,
        help="Most kernels at once (each open page holds one, ~250 MB); 0 = no limit.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reserved: set[str] = set()

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("kernel_id") is None:
            kwargs["kernel_id"] = str(uuid.uuid4())
        kernel_id = kwargs["kernel_id"]
        running = set(self.list_kernel_ids()) | self._reserved
        if self.max_kernels > 0 and kernel_id not in running and len(running) >= self.max_kernels:
            self.log.warning(
                "Kernel-Obergrenze erreicht (%d laufen): neue Seite abgewiesen", len(running)
            )
            raise web.HTTPError(
                503,
                reason=(
                    f"Zu viele offene Cockpit-Seiten (hoechstens {self.max_kernels}). Bitte "
                    "schliessen Sie eine andere Seite oder versuchen Sie es in einigen "
                    "Minuten erneut."
                ),
            )
        self._reserved.add(kernel_id)
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._reserved.discard(kernel_id)


class CockpitVoila(Voila):
    """Voila with the cockpit's guards (see the module docstring)."""

    allowed_hosts = List(
        Unicode(),
        default_value=["localhost", "127.0.0.1"],
        config=True,
        help="Host names (without port) the server answers to; others get 403.",
    )

    def setup_template_dirs(self) -> None:
        super().setup_template_dirs()
        self.template_paths.insert(0, str(TEMPLATE_ROOT))

    def init_handlers(self) -> list:
        ours = {
            VoilaKernelWebsocketHandler: GuardedKernelWebsocketHandler,
            TornadoVoilaHandler: CockpitPageHandler,
        }
        return [(h[0], ours.get(h[1], h[1]), *h[2:]) for h in super().init_handlers()]

    def host_pattern(self) -> str:
        """Regex for tornado's host routing (matched against the host name, port removed)."""
        names = sorted({h.strip().lower() for h in self.allowed_hosts if h.strip()})
        if not names:
            raise ValueError("allowed_hosts is empty")
        return "(" + "|".join(re.escape(n) for n in names) + ")$"

    def start(self) -> None:
        """Voila.start, with its handlers bound to the allowed host names only."""
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.log.info("Storing connection files in %s.", self.connection_dir)
        self.log.info("Serving static files from %s.", self.static_root)

        settings = self.init_settings()

        self.app = tornado.web.Application(**settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(self.host_pattern(), self.init_handlers())
        self.app.add_handlers(".*$", [(r".*", ForeignHostHandler)])
        self.listen()


main = CockpitVoila.launch_instance
