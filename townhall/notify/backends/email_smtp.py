"""Email through Django's configured mail backend: SMTP in production (EMAIL_URL), files in development.

One connection is kept open for a whole batch and reopened after an error. The
Message-ID comes from the idempotency key, so every attempt at one message carries the
same id and a receiving system can recognise a repeat.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from townhall.notify.backends.base import DeliveryError
from townhall.notify.crypto import email_message_id
from townhall.notify.models import OutboxMessage

FALLBACK_DOMAIN = "townhall.invalid"


def message_id_domain() -> str:
    """The domain of DEFAULT_FROM_EMAIL, where Message-IDs are minted."""
    _, address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))
    domain = address.rpartition("@")[2].strip().lower()
    return domain or FALLBACK_DOMAIN


class SmtpEmailSender:
    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._connection: BaseEmailBackend | None = None

    def _open(self) -> BaseEmailBackend:
        if self._connection is None:
            # EMAIL_TIMEOUT wins when set; otherwise never wait for ever on a silent server.
            connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT or self.timeout)
            try:
                connection.open()
            except (smtplib.SMTPException, OSError) as error:
                raise DeliveryError(f"Could not connect to the mail server: {type(error).__name__}.") from None
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            # A broken connection cannot be closed politely; it is dropped all the same.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def send(self, message: OutboxMessage) -> str:
        payload = message.payload
        message_id = email_message_id(message.idempotency_key, domain=message_id_domain())
        headers = {"Message-ID": message_id}
        if payload.get("unsubscribe_url"):  # RFC 2369 and RFC 8058 one-click unsubscribe
            headers["List-Unsubscribe"] = f"<{payload['unsubscribe_url']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = EmailMultiAlternatives(
            subject=str(payload["subject"]),
            body=str(payload["text"]),
            to=[message.destination],
            headers=headers,
            connection=self._open(),
        )
        if payload.get("html"):
            email.attach_alternative(str(payload["html"]), "text/html")
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = sorted({code for code, _ in error.recipients.values()})
            # 5xx is the server saying the address will never work; 4xx is "try later".
            raise DeliveryError(
                f"The mail server refused the recipient (SMTP {', '.join(map(str, codes))}).",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            # A 5xx after DATA rejects this message's content; other codes are the server's state.
            permanent = isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
            raise DeliveryError(f"The mail server answered SMTP {error.smtp_code}.", permanent=permanent) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"Sending to the mail server failed: {type(error).__name__}.") from None
        if sent != 1:
            raise DeliveryError("The mail backend did not accept the message.")
        return message_id
