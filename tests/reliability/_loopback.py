"""A protocol fake served on a real loopback socket, so faults happen on the wire: the
connection reset after the server acted, the answer that never comes, the body cut short
of its ``Content-Length``.

Faults keep the in-memory signature ``fault(request, server)``; what they raise becomes
socket behaviour: ``httpx.ReadTimeout`` -> the server holds the connection silent for
``stall`` seconds, then drops it; any other exception -> the connection is reset (RST)
without an answer. ``wire_truncated()`` sends half a body under the full length.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


class WireTruncated(Exception):
    """Raised by ``wire_truncated``: carries the real answer to cut on the wire."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__("truncated on the wire")
        self.response = response


def wire_truncated() -> Callable[[httpx.Request, Handler], httpx.Response]:
    """The server acts; its answer is cut in half although ``Content-Length`` is whole."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        raise WireTruncated(handler(request))

    fault.__name__ = "wire_truncated"
    return fault


@contextmanager
def serve(handler: Handler, *, stall: float = 1.0) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1; yields ``http://127.0.0.1:PORT``."""
    lock = threading.Lock()  # the fakes are not thread-safe
    origin = ""

    class Wire(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = [(k, v) for k, v in self.headers.items() if k.lower() != "host"]
            request = httpx.Request(self.command, origin + self.path, headers=headers, content=body)
            try:
                with lock:
                    response = handler(request)
                    content = response.read()
            except httpx.ReadTimeout:
                time.sleep(stall)
                self._reset()
                return
            except WireTruncated as cut:
                content = cut.response.read()
                self._send(cut.response, content[: len(content) // 2], length=len(content))
                self._reset()
                return
            except Exception:  # any other fault: the connection dies unanswered
                self._reset()
                return
            self._send(response, content, length=len(content))

        def _send(self, response: httpx.Response, content: bytes, *, length: int) -> None:
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(content)
            self.wfile.flush()

        def _reset(self) -> None:
            self.close_connection = True
            linger = struct.pack("ii", 1, 0)  # close with RST, as a dying peer does
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

        do_GET = do_POST = do_DELETE = do_PUT = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Wire)
    server.daemon_threads = True
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
