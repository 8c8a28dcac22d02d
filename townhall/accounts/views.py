"""Account and staff-area pages owned by accounts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.accounts.permissions import staff_role_required


@login_required
def account_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account_overview.html")


@staff_role_required()
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/staff_home.html")
