"""The information asset register at /staff/information-assets/.

Every member of staff may read it (it describes data and holds none about residents);
data stewards and information governance officers (and administrators) change it
(permissions.can_edit_register), and anyone else gets 404 on those pages, like every
staff page. StaffAreaMiddleware has already required sign-in and MFA. Everything works
without JavaScript: each change is a POST that redirects (post/redirect/get). Every URL
that names an object ends with its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.permissions import staff_role_required
from townhall.catalogue import graph, selectors, services
from townhall.catalogue.forms import (
    AgreementForm,
    AssetFilterForm,
    AssetForm,
    FieldRuleForm,
    RelationshipForm,
    ReviewForm,
    StandardForm,
    ValueCheckForm,
    add_service_errors,
)
from townhall.catalogue.models import DataStandard, InformationAsset, SharingAgreement
from townhall.catalogue.permissions import REGISTER_EDITOR_ROLES, can_edit_register
from townhall.core.pagination import pagination_context

reader_required = staff_role_required()
editor_required = staff_role_required(*REGISTER_EDITOR_ROLES)
PAGE_SIZE = 50


def _asset_or_404(pk: int) -> InformationAsset:
    asset = selectors.asset_get(asset_id=pk)
    if asset is None:
        raise Http404("Page not found")
    return asset


def _agreement_or_404(pk: int) -> SharingAgreement:
    agreement = selectors.agreement_get(agreement_id=pk)
    if agreement is None:
        raise Http404("Page not found")
    return agreement


def _standard_or_404(pk: int) -> DataStandard:
    standard = selectors.standard_get(standard_id=pk)
    if standard is None:
        raise Http404("Page not found")
    return standard


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("can_edit", can_edit_register(request.user))
    return render(request, f"catalogue/{template}", context)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[], tuple[str, str]],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """One form, post/redirect/get: on a valid POST `save` calls the service and returns the success message and
    where to go next; a service's ValidationError is shown on the form's fields and nothing is saved."""
    if request.method == "POST" and form.is_valid():
        try:
            message, next_url = save()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(next_url)
    return _render(request, template, {"form": form, **context})


def _detail_url(name: str, pk: int) -> str:
    return reverse(f"information_assets:{name}", args=[pk])


# --- the register -----------------------------------------------------------------------------------


@reader_required
@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    filtered = any(key != "page" for key in request.GET)
    form = AssetFilterForm(request.GET if filtered else None)
    assets = selectors.asset_list(filters=form.filters())
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "asset_list.html",
        {
            "form": form,
            "filtered": filtered,
            "page": page,
            "counts": selectors.register_counts(),
            "today": timezone.localdate(),
            **pagination_context(page, request.GET),
        },
    )


@reader_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Every entry with every column, including where each asset is held (staff only)."""
    response = HttpResponse(services.register_csv(published_only=False), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="information-asset-register-{timezone.localdate()}.csv"'
    return response


@editor_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    dataset = services.register_publish(acting_user=request.user)
    if dataset is None:
        messages.success(request, "The published register is already up to date")
    else:
        messages.success(request, "The register is published as open data")
    return redirect("information_assets:list")


@editor_required
@require_http_methods(["GET", "POST"])
def asset_create(request: HttpRequest) -> HttpResponse:
    form = AssetForm(_posted(request))

    def save() -> tuple[str, str]:
        asset = services.asset_create(acting_user=request.user, fields=form.asset_fields())
        return f"{asset.name} added to the register", _detail_url("detail", asset.pk)

    return _form_page(request, form, save, "asset_form.html", {"asset": None})


@reader_required
@require_GET
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset_or_404(pk)
    outgoing, incoming = selectors.asset_relationships(asset=asset)
    return _render(
        request,
        "asset_detail.html",
        {
            "asset": asset,
            "outgoing": outgoing,
            "incoming": incoming,
            "agreements": selectors.asset_agreements(asset=asset),
            "rules": selectors.field_rules(asset=asset),
            "today": timezone.localdate(),
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset_or_404(pk)
    form = AssetForm(_posted(request), asset=asset)

    def save() -> tuple[str, str]:
        services.asset_update(acting_user=request.user, asset=asset, fields=form.asset_fields())
        return f"{form.cleaned_data['name']} saved", _detail_url("detail", asset.pk)

    return _form_page(request, form, save, "asset_form.html", {"asset": asset})


@reader_required
@require_GET
def asset_history(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset_or_404(pk)
    page = Paginator(selectors.asset_revisions(asset=asset), PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request, "asset_history.html", {"asset": asset, "page": page, **pagination_context(page, request.GET)}
    )


@editor_required
@require_http_methods(["GET", "POST"])
def asset_review(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset_or_404(pk)
    form = ReviewForm(_posted(request))

    def save() -> tuple[str, str]:
        services.asset_review_record(
            acting_user=request.user, asset=asset, next_review_on=form.cleaned_data["next_review_on"]
        )
        return f"Review of {asset.name} recorded", _detail_url("detail", asset.pk)

    return _form_page(request, form, save, "review_form.html", {"asset": asset})


@reader_required
@require_GET
def reviews_due(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due, undated = selectors.assets_due_for_review(today=today)
    return _render(
        request,
        "reviews_due.html",
        {
            "due": due,
            "undated": undated,
            "agreements": selectors.agreements_due_for_review(today=today),
            "today": today,
        },
    )


@reader_required
@require_GET
def relationship_graph(request: HttpRequest) -> HttpResponse:
    data = selectors.relationship_graph()
    return _render(request, "graph.html", {"svg": graph.relationship_svg(data), "relationships": data.relationships})


# --- relationships ------------------------------------------------------------------------------------


@editor_required
@require_http_methods(["GET", "POST"])
def relationship_add(request: HttpRequest, pk: int) -> HttpResponse:
    source = _asset_or_404(pk)
    form = RelationshipForm(_posted(request), source=source)

    def save() -> tuple[str, str]:
        target = selectors.asset_get(asset_id=form.cleaned_data["target"])
        if target is None:
            raise ValidationError({"target": "Choose an asset from the list"})
        services.relationship_add(
            acting_user=request.user,
            source=source,
            target=target,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
        return f"Relationship with {target.name} added", _detail_url("detail", source.pk)

    return _form_page(request, form, save, "relationship_form.html", {"asset": source})


@editor_required
@require_POST
def relationship_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.relationship_get(relationship_id=pk)
    if link is None:
        raise Http404("Page not found")
    source_id = link.source_id
    services.relationship_remove(acting_user=request.user, relationship=link)
    messages.success(request, "Relationship removed")
    return redirect("information_assets:detail", source_id)


# --- field rules ---------------------------------------------------------------------------------------


@editor_required
@require_http_methods(["GET", "POST"])
def field_rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset_or_404(pk)
    form = FieldRuleForm(_posted(request))

    def save() -> tuple[str, str]:
        services.field_rule_add(acting_user=request.user, asset=asset, **form.cleaned_data)
        return f"Rule for {form.cleaned_data['field_name']} added", _detail_url("detail", asset.pk) + "#field-rules"

    return _form_page(request, form, save, "field_rule_form.html", {"asset": asset})


@editor_required
@require_POST
def field_rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.field_rule_get(rule_id=pk)
    if rule is None:
        raise Http404("Page not found")
    asset_id = rule.asset_id
    services.field_rule_remove(acting_user=request.user, rule=rule)
    messages.success(request, "Field rule removed")
    return redirect(reverse("information_assets:detail", args=[asset_id]) + "#field-rules")


# --- sharing agreements ---------------------------------------------------------------------------------


@reader_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "agreement_list.html", {"agreements": selectors.agreement_list()})


@reader_required
@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement_or_404(pk)
    return _render(
        request,
        "agreement_detail.html",
        {"agreement": agreement, "assets": selectors.agreement_assets(agreement=agreement)},
    )


@editor_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(_posted(request))

    def save() -> tuple[str, str]:
        agreement = services.agreement_create(acting_user=request.user, fields=form.agreement_fields())
        return f"{agreement.title} added", _detail_url("agreement", agreement.pk)

    return _form_page(request, form, save, "agreement_form.html", {"agreement": None})


@editor_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement_or_404(pk)
    form = AgreementForm(_posted(request), agreement=agreement)

    def save() -> tuple[str, str]:
        services.agreement_update(acting_user=request.user, agreement=agreement, fields=form.agreement_fields())
        return f"{agreement.title} saved", _detail_url("agreement", agreement.pk)

    return _form_page(request, form, save, "agreement_form.html", {"agreement": agreement})


# --- data standards ---------------------------------------------------------------------------------------


@reader_required
@require_GET
def standard_list(request: HttpRequest) -> HttpResponse:
    return _render(request, "standard_list.html", {"standards": selectors.standard_list()})


@reader_required
@require_GET
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The standard, the fields that use it, and a box to try a value against it."""
    standard = _standard_or_404(pk)
    form = ValueCheckForm(request.GET if "value" in request.GET else None)
    result = selectors.check_value(standard, form.cleaned_data["value"]) if form.is_bound and form.is_valid() else None
    return _render(
        request,
        "standard_detail.html",
        {
            "standard": standard,
            "form": form,
            "result": result,
            "rules": selectors.standard_field_rules(standard=standard),
        },
    )


@editor_required
@require_http_methods(["GET", "POST"])
def standard_create(request: HttpRequest) -> HttpResponse:
    form = StandardForm(_posted(request))

    def save() -> tuple[str, str]:
        standard = services.standard_create(acting_user=request.user, **form.cleaned_data)
        return f"{standard.name} added", _detail_url("standard", standard.pk)

    return _form_page(request, form, save, "standard_form.html", {"standard": None})


@editor_required
@require_http_methods(["GET", "POST"])
def standard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    standard = _standard_or_404(pk)
    form = StandardForm(_posted(request), standard=standard)

    def save() -> tuple[str, str]:
        services.standard_update(acting_user=request.user, standard=standard, **form.cleaned_data)
        return f"{standard.name} saved", _detail_url("standard", standard.pk)

    return _form_page(request, form, save, "standard_form.html", {"standard": standard})
