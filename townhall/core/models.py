"""The one table the core app keeps: rate-limit counters when the cache is the database."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Requests counted in one bucket's current window (see ratelimit.py).

    The key is a hash of the bucket name, which may hold an IP or email address, so
    nothing personal is stored; rows outlive their window by at most one new window.
    """

    key = models.CharField(primary_key=True, max_length=80)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
