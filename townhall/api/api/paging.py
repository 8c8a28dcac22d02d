"""Cursor pagination: an opaque `cursor` (the last row's receipt time and id) and a `next` link."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.http import HttpRequest

from townhall.api.api.problems import ProblemError
from townhall.api.selectors import Cursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def cursor_encode(cursor: Cursor) -> str:
    text = f"{cursor.received_at.astimezone(dt.UTC).isoformat()}|{cursor.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(raw: str | None) -> Cursor | None:
    """The cursor a `next` link carries; anything else is a 422 on ["query", "cursor"]."""
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        moment, _, row_id = text.partition("|")
        received_at = dt.datetime.fromisoformat(moment)
        if received_at.tzinfo is None:
            raise ValueError("naive")
        return Cursor(received_at=received_at, id=int(row_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(
            422,
            "The request has errors: see `errors`.",
            errors=[{"loc": ["query", "cursor"], "msg": "Use the cursor from a `next` link", "type": "invalid_cursor"}],
        ) from None


def next_link(request: HttpRequest, cursor: Cursor | None) -> str | None:
    """This URL with the same filters and the next page's cursor, or None after the last page."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor_encode(cursor)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
