"""What every delivery backend promises: send one message or raise DeliveryError saying whether to retry."""

from __future__ import annotations

from typing import Protocol

from townhall.notify.models import OutboxMessage


class DeliveryError(Exception):
    """A send that did not succeed.

    `permanent` means retrying cannot help (the receiver refused the recipient or the
    payload), so the message goes straight to the dead letters for a person to look at.
    The message text is stored in `last_error`: say what happened, never whom it was for.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> str:
        """Deliver `message`; return the receiver's reference for it ("" if it gives none)."""

    def close(self) -> None:
        """Release connections kept open between messages of one batch."""
