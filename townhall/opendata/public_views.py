"""/data/: find and open the council's datasets, without JavaScript.

Search and facets go through the same selector as CKAN's package_search (facet choices
become `fq` terms in the same Solr subset), so the page and the API always agree.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from townhall.opendata import selectors
from townhall.opendata.search import SearchQueryError
from townhall.opendata.selectors import datastore as datastore_selectors
from townhall.opendata.selectors import versions as version_selectors

PAGE_SIZE = 20
# Facet parameter on the page → CKAN facet field, with the heading residents see.
FACETS: tuple[tuple[str, str, str], ...] = (
    ("publisher", "organization", "Publisher"),
    ("theme", "groups", "Theme"),
    ("tag", "tags", "Tag"),
    ("format", "res_format", "Format"),
    ("licence", "license_id", "Licence"),
)
SORTS: dict[str, tuple[str, str]] = {
    "relevance": ("score desc, metadata_modified desc", "Most relevant"),
    "updated": ("metadata_modified desc", "Recently updated"),
    "title": ("title asc", "Title A to Z"),
    "newest": ("metadata_created desc", "Newest"),
}


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _facet_query(request: HttpRequest) -> tuple[str, dict[str, list[str]]]:
    """The `fq` for the ticked facet values (AND across and within facets, as CKAN's pages do)."""
    chosen = {param: [v for v in request.GET.getlist(param) if v.strip()][:10] for param, _, _ in FACETS}
    terms = [f"{field}:{_quoted(value)}" for param, field, _ in FACETS for value in chosen[param]]
    return " ".join(terms), chosen


@require_http_methods(["GET"])
def dataset_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:500]
    sort_key = request.GET.get("sort", "relevance" if q else "updated")
    sort_key = sort_key if sort_key in SORTS else "updated"
    fq, chosen = _facet_query(request)
    withdrawn = request.GET.get("withdrawn") == "yes"
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    error = ""
    try:
        found = selectors.package_search(
            user=request.user,
            site_url=_site_url(request),
            q=q,
            fq=fq,
            rows=PAGE_SIZE,
            start=(page_number - 1) * PAGE_SIZE,
            sort=SORTS[sort_key][0],
            facet_fields=[field for _, field, _ in FACETS],
            facet_limit=10,
            include_withdrawn=withdrawn,
        )
    except SearchQueryError as exc:
        error = f"We could not understand that search: {exc}. Try plain words."
        found = {"count": 0, "results": [], "search_facets": {}}
    paginator = Paginator(range(found["count"]), PAGE_SIZE)
    page = paginator.get_page(page_number)
    base = {k: v for k, v in request.GET.lists() if k != "page"}
    facets = []
    for param, field, heading in FACETS:
        items = found["search_facets"].get(field, {}).get("items", [])
        facets.append(
            {
                "param": param,
                "heading": heading,
                "items": [{**item, "checked": item["name"] in chosen[param]} for item in items],
            }
        )
    return render(
        request,
        "opendata/search.html",
        {
            "q": q,
            "error": error,
            "count": found["count"],
            "results": found["results"],
            "facets": facets,
            "sort_key": sort_key,
            "sorts": [(key, label) for key, (_, label) in SORTS.items()],
            "page": page,
            "previous_href": f"?{urlencode({**base, 'page': page.number - 1}, doseq=True)}"
            if page.has_previous()
            else "",
            "next_href": f"?{urlencode({**base, 'page': page.number + 1}, doseq=True)}" if page.has_next() else "",
            "filtered": bool(q or fq or withdrawn),
            "withdrawn": withdrawn,
        },
    )


def _json_ld(package: dict[str, Any], url: str) -> SafeString:
    """schema.org Dataset for search engines, safe inside a script element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": package["title"],
        "description": package.get("notes") or package["title"],
        "url": url,
        "identifier": package["id"],
        "keywords": [tag["name"] for tag in package.get("tags", [])],
        "license": package.get("license_url") or package.get("license_id"),
        "isAccessibleForFree": True,
        "dateModified": package.get("metadata_modified"),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": resource.get("name") or resource.get("format"),
                "encodingFormat": resource.get("mimetype") or resource.get("format"),
                "contentUrl": resource.get("url"),
            }
            for resource in package.get("resources", [])
        ],
    }
    organization = package.get("organization") or {}
    if organization:
        data["creator"] = {"@type": "Organization", "name": organization.get("title") or organization.get("name")}
    text = json.dumps(data, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S308 - escaped above


@require_http_methods(["GET"])
def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    package = selectors.package_show(user=request.user, id_or_name=name, site_url=_site_url(request))
    if package is None:
        raise Http404("No such dataset")
    url = request.build_absolute_uri(reverse("opendata_dataset", args=[package["name"]]))
    api_url = request.build_absolute_uri(reverse("ckan:action", args=["package_show"])) + f"?id={package['name']}"
    extras = {item["key"]: item["value"] for item in package.get("extras", [])}
    versions = version_selectors.version_history(
        resource_ids=[resource["id"] for resource in package["resources"]], site_url=_site_url(request)
    )
    try:
        preview_page = int(request.GET.get("page", "1"))
    except ValueError:
        preview_page = 1
    previews = datastore_selectors.previews(
        resources=package["resources"], chosen=request.GET.get("preview", ""), page=preview_page
    )
    return render(
        request,
        "opendata/dataset.html",
        {
            "package": package,
            "extras": extras,
            "json_ld": _json_ld(package, url),
            "api_url": api_url,
            "versions": versions,
            "previews": previews,
        },
    )
