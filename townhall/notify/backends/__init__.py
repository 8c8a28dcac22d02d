"""Delivery backends, one per way out, chosen per channel by `Senders`.

email → SMTP (Django's mail settings) or GOV.UK Notify (NOTIFY_EMAIL_BACKEND);
sms → GOV.UK Notify; webhook → signed HTTPS POST. Letters have no backend yet.
"""

from __future__ import annotations

from townhall.notify.backends.base import DeliveryError, Sender
from townhall.notify.backends.email_smtp import SmtpEmailSender
from townhall.notify.backends.govuk_notify import GovukNotifySender
from townhall.notify.backends.webhook import WebhookSender
from townhall.notify.conf import OutboxSettings
from townhall.notify.constants import EMAIL_VIA_GOVUK_NOTIFY, Channel

__all__ = ["DeliveryError", "Sender", "Senders"]


class Senders:
    """The senders one batch uses, created on first need and closed together at the end."""

    def __init__(self, config: OutboxSettings) -> None:
        self.config = config
        self._by_name: dict[str, Sender] = {}

    def _get(self, name: str) -> Sender:
        if name not in self._by_name:
            timeout = self.config.send_timeout
            sender: Sender
            if name == "smtp":
                sender = SmtpEmailSender(timeout=timeout)
            elif name == "webhook":
                sender = WebhookSender(timeout=timeout)
            else:
                sender = GovukNotifySender(self.config)
            self._by_name[name] = sender
        return self._by_name[name]

    def for_channel(self, channel: str) -> Sender:
        if channel == Channel.EMAIL:
            return self._get("govuk_notify" if self.config.email_via == EMAIL_VIA_GOVUK_NOTIFY else "smtp")
        if channel in {Channel.SMS, Channel.LETTER}:
            return self._get("govuk_notify")
        if channel == Channel.WEBHOOK:
            return self._get("webhook")
        raise DeliveryError(f"There is no delivery backend for {channel!r} messages.", permanent=True)

    def close(self) -> None:
        for sender in self._by_name.values():
            sender.close()
        self._by_name.clear()
