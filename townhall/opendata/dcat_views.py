"""DCAT-AP documents: /catalog.ttl|.jsonld|.rdf (paged with Hydra) and /dataset/<name>.ttl|.jsonld|.rdf.

Public and anonymous by design (see selectors.dcat): no session, no personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_http_methods

from townhall.opendata import dcat
from townhall.opendata.selectors import dcat as dcat_selectors


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _rdf_response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # open data: harvesters and browser tools may read it
    return response


@require_http_methods(["GET", "HEAD"])
def catalogue(request: HttpRequest, suffix: str) -> HttpResponse:
    raw_page = request.GET.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        return HttpResponseBadRequest("page must be a whole number from 1", content_type="text/plain")
    page = dcat.Page(
        number=int(raw_page), size=dcat_selectors.CATALOGUE_PAGE_SIZE, total=dcat_selectors.catalogue_count()
    )
    if page.number > page.last:
        raise Http404("No such page")
    site_url = _site_url(request)
    branding = settings.TOWNHALL_BRANDING
    graph = dcat.catalogue_graph(
        dcat_selectors.catalogue_page(number=page.number, size=page.size),
        about=dcat.CatalogueDescription(
            council_name=branding.council_name,
            website_url=branding.website_url,
            contact_email=branding.contact_email,
            modified=dcat_selectors.catalogue_modified(),
        ),
        page=page,
        page_base=f"{site_url}/catalog.{suffix}",
        site_url=site_url,
    )
    return _rdf_response(*dcat.serialise(graph, suffix))


@require_http_methods(["GET", "HEAD"])
def dataset(request: HttpRequest, name: str, suffix: str) -> HttpResponse:
    found = dcat_selectors.dataset_for_dcat(name=name)
    if found is None:
        raise Http404("No such dataset")
    return _rdf_response(*dcat.serialise(dcat.dataset_graph(found, site_url=_site_url(request)), suffix))
