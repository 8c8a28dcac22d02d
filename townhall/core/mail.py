"""Development mail: print each message to the server console and keep a copy in var/mail/.

A council tester running `make run` can read sign-in codes and verification links
without an SMTP server; set EMAIL_URL to send real mail instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class DevelopmentEmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(settings.TOWNHALL_MAIL_DIR)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            raw = message.message().as_bytes()
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = self.directory / f"{stamp}-{sent}.eml"
            path.write_bytes(raw)
            body = message.body if isinstance(message.body, str) else ""
            sys.stdout.write(
                f"\n--- email to {', '.join(message.to)} (saved as {path}) ---\n"
                f"Subject: {message.subject}\n\n{body}\n--- end of email ---\n"
            )
            sys.stdout.flush()
            sent += 1
        return sent
