"""People you help and people who help you: authorising a representative, and acting for someone.

Always about the signed-in person's own authorisations, even while they act for
someone else, so a representative can never authorise a third person for them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts import selectors as account_selectors
from townhall.accounts import services as account_services
from townhall.myaccount.forms import RepresentativeForm
from townhall.myaccount.views.acting import account_context, start_acting, stop_acting


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def representatives(request: HttpRequest) -> HttpResponse:
    context = account_context(request)
    me = context.signed_in
    form = RepresentativeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.representation_authorise(
                acting_user=me,
                represented=me,
                representative_email=form.cleaned_data["email"],
                relationship=form.cleaned_data["relationship"],
            )
        except account_services.RepresentationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, "They can now act for you. We have told them by email.")
            return redirect("myaccount:representatives")
    i_help, helping_me = account_selectors.representations_for(user=me)
    return render(
        request,
        "myaccount/representatives.html",
        {"acting": context, "form": form, "i_help": i_help, "helping_me": helping_me},
    )


@require_POST
@login_required
def representation_revoke(request: HttpRequest, representation_id: int) -> HttpResponse:
    ended = account_services.representation_revoke(
        acting_user=account_context(request).signed_in, representation_id=representation_id
    )
    if ended is None:
        raise Http404("Page not found")
    messages.success(request, "That authorisation has ended.")
    return redirect("myaccount:representatives")


@require_POST
@login_required
def act_for(request: HttpRequest, represented_id: int) -> HttpResponse:
    holder = start_acting(request, represented_id=represented_id)
    if holder is None:
        raise Http404("Page not found")
    return redirect("myaccount:dashboard")


@require_POST
@login_required
def act_for_stop(request: HttpRequest) -> HttpResponse:
    stop_acting(request)
    messages.success(request, "You are back in your own account.")
    return redirect("myaccount:representatives")
