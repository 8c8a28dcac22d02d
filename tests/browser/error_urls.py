"""URL configuration for browser tests of the error pages: Townhall's own URLs, plus two that fail on purpose.

Nothing in the product raises PermissionDenied or an unhandled exception on request, so the
403 and 500 pages are reached through these (see the `failing_urls` fixture).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from townhall.urls import handler403, handler404, handler500
from townhall.urls import urlpatterns as townhall_urlpatterns

FORBIDDEN_PATH = "/test-errors/forbidden/"
SERVER_ERROR_PATH = "/test-errors/server-error/"


class DeliberateFailureError(RuntimeError):
    """Raised by the server-error URL so the 500 page is rendered."""


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("A deliberate refusal for the 403 page test.")


def server_error(request: HttpRequest) -> HttpResponse:
    raise DeliberateFailureError("A deliberate failure for the 500 page test.")


urlpatterns = [
    path(FORBIDDEN_PATH.strip("/") + "/", forbidden),
    path(SERVER_ERROR_PATH.strip("/") + "/", server_error),
    *townhall_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
