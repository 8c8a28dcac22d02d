"""The site's URLs plus views that exist only to provoke messages and errors in tests."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from townhall.urls import handler403, handler404, handler500
from townhall.urls import urlpatterns as site_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def with_messages(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Your details were saved.")
    messages.info(request, "We have sent you an email.")
    return render(request, "web/help.html")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [
    path("test/messages", with_messages),
    path("test/forbidden", forbidden),
    path("test/broken", broken),
    *site_urlpatterns,
]
