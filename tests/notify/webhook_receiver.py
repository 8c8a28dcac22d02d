"""A partner's webhook receiver for tests: http.server in a thread on 127.0.0.1.

It verifies each request the way README "Receiving Townhall webhooks" tells partners to
(signature over timestamp and body, within five minutes), and records what arrived.
Switch it with `fail_with(500)` (answers that status), `stop()` (the port is closed:
connection refused) and `start()` (back on the same port).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.smtp_server import HOST, free_port

TOLERANCE_SECONDS = 300


def verify_signature(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """The recipe from the README, as a partner would write it."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    @property
    def idempotency_key(self) -> str:
        return self.headers.get("Idempotency-Key", "")

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.port = free_port()
        self.received: list[ReceivedWebhook] = []  # accepted (2xx) only
        self.refused = 0
        self.status = 200
        self.delay_seconds = 0.0
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/townhall-events"

    def fail_with(self, status: int) -> None:
        """Answer every request with `status` (200 to accept again)."""
        self.status = status

    def start(self) -> WebhookReceiver:
        if self._server is None:
            receiver = self

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self) -> None:
                    length = int(self.headers.get("Content-Length", "0"))
                    body = self.rfile.read(length)
                    if receiver.delay_seconds:
                        time.sleep(receiver.delay_seconds)
                    valid = verify_signature(receiver.secret, self.headers.get("X-Townhall-Signature", ""), body)
                    status = receiver.status if valid else 401
                    with receiver.lock:
                        if 200 <= status < 300:
                            receiver.received.append(
                                ReceivedWebhook(self.path, dict(self.headers.items()), body, valid)
                            )
                        else:
                            receiver.refused += 1
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if status < 300 else b'{"ok": false}')

                def log_message(self, format: str, *args: Any) -> None:
                    pass

            self._server = ThreadingHTTPServer((HOST, self.port), Handler)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def key_counts(self) -> Counter[str]:
        with self.lock:
            return Counter(item.idempotency_key for item in self.received)
