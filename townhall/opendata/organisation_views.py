"""/staff/open-data/publishers/ and /themes/: data stewards list, add and change publishers and themes (issue 6).

Data stewards and administrators only; everyone else, team managers included, gets 404, as
for the other steward-only pages (review, withdraw, uploads). No JavaScript: each form
posts, calls one service in services/organisations.py (which checks, audits and keeps
search right) and redirects to the list. Nothing is deleted here (see the service module).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import staff_role_required
from townhall.opendata.forms import add_service_errors
from townhall.opendata.organisation_forms import OrganisationForm, PublisherForm, ThemeForm
from townhall.opendata.selectors import organisations as selectors
from townhall.opendata.services import organisations as services

steward_required = staff_role_required(StaffRole.DATA_STEWARD)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the staff middleware signs people in first
        raise Http404("Page not found")
    return user


def _form_page(
    request: HttpRequest,
    form: OrganisationForm,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Show the form; on a valid post save it (service errors go back onto the form) and return to the list."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.title} saved")
            return redirect(done)
    return render(request, "opendata/staff/organisation_form.html", {"form": form, **context})


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@steward_required
@require_GET
def publisher_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opendata/staff/organisation_list.html",
        {"kind": "publisher", "rows": selectors.publishers_with_counts()},
    )


@steward_required
@require_http_methods(["GET", "POST"])
def publisher_create(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        PublisherForm(_data(request)),
        save=lambda values: services.publisher_create(acting_user=_user(request), **values),
        done="opendata_staff:publishers",
        context={"kind": "publisher", "item": None},
    )


@steward_required
@require_http_methods(["GET", "POST"])
def publisher_edit(request: HttpRequest, publisher_id: uuid.UUID) -> HttpResponse:
    publisher = selectors.publisher(publisher_id=publisher_id)
    if publisher is None:
        raise Http404("No such publisher")
    return _form_page(
        request,
        PublisherForm.for_publisher(publisher, _data(request)),
        save=lambda values: services.publisher_update(acting_user=_user(request), publisher=publisher, **values),
        done="opendata_staff:publishers",
        context={"kind": "publisher", "item": publisher},
    )


@steward_required
@require_GET
def theme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opendata/staff/organisation_list.html",
        {"kind": "theme", "rows": selectors.themes_with_counts()},
    )


@steward_required
@require_http_methods(["GET", "POST"])
def theme_create(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        ThemeForm(_data(request)),
        save=lambda values: services.theme_create(acting_user=_user(request), **values),
        done="opendata_staff:themes",
        context={"kind": "theme", "item": None},
    )


@steward_required
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, theme_id: uuid.UUID) -> HttpResponse:
    theme = selectors.theme(theme_id=theme_id)
    if theme is None:
        raise Http404("No such theme")
    return _form_page(
        request,
        ThemeForm.for_theme(theme, _data(request)),
        save=lambda values: services.theme_update(acting_user=_user(request), theme=theme, **values),
        done="opendata_staff:themes",
        context={"kind": "theme", "item": theme},
    )
