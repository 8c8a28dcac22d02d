from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def branding(request: HttpRequest) -> dict[str, object]:
    """Council name and logo for every template."""
    return {"branding": settings.TOWNHALL_BRANDING}
