"""A real SMTP server for tests (aiosmtpd), on 127.0.0.1, keeping every message it accepts.

Townhall's mail goes through Django's SMTP backend to this server exactly as it would go
to the council's relay. The port is chosen once and kept, so a test can stop the server
("the relay is down": connections are refused), start it again on the same address, and
count what arrived. `refuse_with("451 4.3.0 Try again later")` makes it answer DATA with
that reply instead of accepting; `refuse_recipients_with("550 5.1.1 No such user")` refuses
at RCPT TO.

    server = FakeSmtpServer()
    server.start()
    with override_settings(**server.django_settings()):
        ...
    server.messages[0].message["Subject"]
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "").strip()  # a long one may be folded onto its own line


class _Handler:
    def __init__(self, server: FakeSmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, smtp: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.server.recipient_refusal
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        refusal = self.server.data_refusal
        if refusal:
            return refusal
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(ReceivedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class FakeSmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.data_refusal = ""
        self.recipient_refusal = ""
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> FakeSmtpServer:
        if self._controller is None:
            controller = Controller(_Handler(self), hostname=HOST, port=self.port)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse_with(self, reply: str) -> None:
        """Answer DATA with `reply` (e.g. "451 ..." temporary, "554 ..." permanent); "" accepts again."""
        self.data_refusal = reply

    def refuse_recipients_with(self, reply: str) -> None:
        self.recipient_refusal = reply

    def message_id_counts(self) -> Counter[str]:
        with self.lock:
            return Counter(mail.message_id for mail in self.messages)

    def django_settings(self) -> dict[str, Any]:
        """Settings that point Django's SMTP backend here (for override_settings)."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }
