"""Site-shell pages: home, the statements every council site needs, health checks and error pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

# Update when the accessibility statement is reviewed (the regulations ask for the date).
ACCESSIBILITY_STATEMENT_PREPARED = datetime.date(2026, 11, 28)
ACCESSIBILITY_STATEMENT_REVIEWED = datetime.date(2026, 11, 28)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/accessibility_statement.html",
        {
            "prepared": ACCESSIBILITY_STATEMENT_PREPARED,
            "reviewed": ACCESSIBILITY_STATEMENT_REVIEWED,
            "northern_ireland": settings.TOWNHALL_NATION == "northern-ireland",
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


def _duration(seconds: int) -> str:
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def cookies(request: HttpRequest) -> HttpResponse:
    """The cookie table is built from settings, so it stays true when names or lifetimes change."""
    session_expiry = (
        "When you close your browser"
        if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
        else f"{_duration(settings.SESSION_COOKIE_AGE)}, or when you sign out"
    )
    cookie_rows = [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "purpose": "Keeps you signed in as you move between pages, and remembers your progress through a form.",
            "expires": session_expiry,
        },
        {
            "name": settings.CSRF_COOKIE_NAME,
            "purpose": "Stops other websites sending forms to this site in your name (cross-site request forgery).",
            "expires": _duration(settings.CSRF_COOKIE_AGE)
            if settings.CSRF_COOKIE_AGE
            else "When you close your browser",
        },
        {
            "name": CookieStorage.cookie_name,
            "purpose": "Shows you a confirmation, such as 'You have signed out', on the next page you see.",
            "expires": "When you close your browser",
        },
    ]
    return render(request, "web/cookies.html", {"cookie_rows": cookie_rows})


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/help.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page says."""
    return redirect(static("townhall/favicon.ico"))


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Never touches the database."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means not ready
        return JsonResponse({"status": "unavailable", "checks": {"database": "unavailable"}}, status=503)
    return JsonResponse({"status": "ok", "checks": {"database": "ok"}})


@requires_csrf_token
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@requires_csrf_token
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    """Rendered without the request: context processors may be what failed (a database that is down)."""
    context: dict[str, Any] = {"branding": settings.TOWNHALL_BRANDING}
    return HttpResponseServerError(loader.get_template("500.html").render(context))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired or forged form gets the design-system page, not Django's."""
    return render(request, "403_csrf.html", status=403)
