"""The CKAN Action API (`/api/3/action/<name>`, `/api/action/<name>`), as the real `ckanapi` client expects it.

Authenticate (a token, bare, in `Authorization` or `X-CKAN-API-Key`), read the parameters
(JSON body, form or multipart on POST; the query string on GET, read actions only), call
one selector or service, and answer in CKAN's envelope
`{"help": …, "success": true, "result": …}` or with CKAN's errors: "Not Found Error" 404,
"Authorization Error" 403, "Validation Error" 409 ({field: [messages]}), "Search Query
Error" 400. No CSRF (tokens, never cookies, authenticate here) and no redirects: ckanapi
follows neither. Parameters an action does not use are ignored, as CKAN ignores them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from townhall import __version__ as townhall_version
from townhall.accounts.models import User
from townhall.opendata import ckan_input, selectors, services
from townhall.opendata.ckan_input import as_bool, as_int, as_list
from townhall.opendata.datastore_sql import DatastoreSqlError, DatastoreSqlForbidden
from townhall.opendata.models import DatastoreTable, Resource
from townhall.opendata.permissions import can_manage_datasets
from townhall.opendata.search import SearchQueryError
from townhall.opendata.selectors import datastore as datastore_selectors
from townhall.opendata.selectors import versions as version_selectors
from townhall.opendata.services import datastore as datastore_services

# The CKAN version whose Action API this imitates (clients check it in status_show).
CKAN_API_VERSION = "2.10.4"


class NotFoundError(Exception):
    """CKAN's "Not Found Error" (404)."""


class NotAuthorizedError(Exception):
    """CKAN's "Authorization Error" (403)."""


@dataclass(frozen=True)
class Call:
    """One action call: who asks, with what, and where the site lives (for absolute URLs)."""

    request: HttpRequest
    user: User | None
    data: dict[str, Any]
    site_url: str

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        return default if value is None else str(value)

    def required(self, key: str) -> str:
        value = self.text(key).strip()
        if not value:
            raise ValidationError({key: [ckan_input.MISSING]})
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        return as_bool(self.data.get(key), key=key, default=default)

    def number(self, key: str, default: int) -> int:
        return as_int(self.data.get(key), key=key, default=default)

    def limit(self) -> int | None:
        return self.number("limit", -1) if self.data.get("limit") not in (None, "") else None


Handler = Callable[[Call], Any]


def _require_writer(call: Call, what: str) -> None:
    if not can_manage_datasets(call.user):
        who = call.user.email if call.user is not None else "anonymous"
        raise NotAuthorizedError(f"User {who} not authorized to {what}")


def _dataset_for_write(call: Call, key: str = "id") -> Any:
    """The dataset named by `key` (its id or name; `name` will do when `id` is absent, as in CKAN)."""
    _require_writer(call, "edit this dataset")
    wanted = call.text(key).strip() or (call.text("name").strip() if key == "id" else "") or call.required(key)
    dataset = selectors.dataset_for_write(id_or_name=wanted)
    if dataset is None:
        raise NotFoundError("Dataset not found")
    return dataset


def _show(call: Call, dataset_id: Any) -> dict[str, Any]:
    shown = selectors.package_show(user=call.user, id_or_name=str(dataset_id), site_url=call.site_url)
    assert shown is not None  # noqa: S101 - the caller has just written it and may see it
    return shown


# --- read actions ----------------------------------------------------------------------------------


def status_show(call: Call) -> dict[str, Any]:
    """The site and the API version it speaks."""
    return {
        "site_title": f"{settings.TOWNHALL_BRANDING.council_name} open data",
        "site_description": "Open data published by the council.",
        "site_url": call.site_url,
        "ckan_version": CKAN_API_VERSION,
        "townhall_version": townhall_version,
        "error_emails_to": None,
        "locale_default": "en_GB",
        "extensions": ["datastore"],
    }


def site_read(call: Call) -> bool:
    """Whether this caller may read the site: always."""
    return True


def help_show(call: Call) -> str:
    """The documentation of the action named `name`."""
    name = call.required("name")
    handler = ACTIONS.get(name)
    if handler is None:
        raise NotFoundError(f"Action function not found: {name}")
    return (handler[0].__doc__ or "").strip()


def package_list(call: Call) -> list[str]:
    """Names of the public, active datasets, by name (`limit`, `offset`)."""
    return selectors.package_list(limit=call.limit(), offset=call.number("offset", 0))


def package_show(call: Call) -> dict[str, Any]:
    """One dataset by `id` or name."""
    shown = selectors.package_show(user=call.user, id_or_name=call.required("id"), site_url=call.site_url)
    if shown is None:
        raise NotFoundError("Dataset not found")
    return shown


def package_search(call: Call) -> dict[str, Any]:
    """Search datasets: q, fq, rows (≤ 1,000), start, sort, facet.field, facet.limit, include_private/drafts."""
    facet_fields = [str(field) for field in as_list(call.data.get("facet.field"), key="facet.field")]
    return selectors.package_search(
        user=call.user,
        site_url=call.site_url,
        q=call.text("q"),
        fq=call.text("fq"),
        rows=call.number("rows", selectors.ROWS_DEFAULT),
        start=max(0, call.number("start", 0)),
        sort=call.text("sort"),
        facet_fields=facet_fields if call.flag("facet", default=True) else [],
        facet_limit=call.number("facet.limit", selectors.FACET_LIMIT_DEFAULT),
        include_private=call.flag("include_private"),
        include_drafts=call.flag("include_drafts"),
    )


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    """Public datasets with their resources, most recently changed first (`limit`, `offset`/`page`)."""
    limit = call.limit()
    offset = call.number("offset", 0)
    if "page" in call.data and limit:
        offset = (max(1, call.number("page", 1)) - 1) * limit
    return selectors.current_package_list_with_resources(site_url=call.site_url, limit=limit, offset=offset)


def organization_list(call: Call) -> list[Any]:
    """Publishers' names, or dicts with `all_fields` (`sort`, `limit`, `offset`)."""
    return selectors.organization_list(
        all_fields=call.flag("all_fields"),
        sort=call.text("sort", "title asc"),
        limit=call.limit(),
        offset=call.number("offset", 0),
    )


def organization_show(call: Call) -> dict[str, Any]:
    """One publisher by `id` or name; its public datasets with `include_datasets`."""
    shown = selectors.organization_show(
        id_or_name=call.required("id"), include_datasets=call.flag("include_datasets"), site_url=call.site_url
    )
    if shown is None:
        raise NotFoundError("Organization not found")
    return shown


def group_list(call: Call) -> list[Any]:
    """Themes' names, or dicts with `all_fields`."""
    return selectors.group_list(
        all_fields=call.flag("all_fields"),
        sort=call.text("sort", "title asc"),
        limit=call.limit(),
        offset=call.number("offset", 0),
    )


def group_show(call: Call) -> dict[str, Any]:
    """One theme by `id` or name."""
    shown = selectors.group_show(
        id_or_name=call.required("id"), include_datasets=call.flag("include_datasets"), site_url=call.site_url
    )
    if shown is None:
        raise NotFoundError("Group not found")
    return shown


def tag_list(call: Call) -> list[Any]:
    """Tags on public datasets (`query`, `all_fields`)."""
    return selectors.tag_list(query=call.text("query"), all_fields=call.flag("all_fields"))


def license_list(call: Call) -> list[dict[str, Any]]:
    """The licences datasets may be published under."""
    return selectors.licence_list()


def resource_show(call: Call) -> dict[str, Any]:
    """One resource by `id`; with `version` (a number), as it was at that version (its own url, size and hash)."""
    if call.text("version").strip():
        number = call.number("version", 0)
        shown = version_selectors.resource_version_show(
            user=call.user, resource_id=call.required("id"), number=number, site_url=call.site_url
        )
        if shown is None:
            raise NotFoundError(f"Resource or version {number} was not found.")
        return shown
    shown = selectors.resource_show(user=call.user, resource_id=call.required("id"), site_url=call.site_url)
    if shown is None:
        raise NotFoundError("Resource was not found.")
    return shown


def resource_version_list(call: Call) -> list[dict[str, Any]]:
    """Every version of resource `id`'s file, newest first: number, url, size, hash, row_count, change_summary."""
    found = version_selectors.resource_version_list(
        user=call.user, resource_id=call.required("id"), site_url=call.site_url
    )
    if found is None:
        raise NotFoundError("Resource was not found.")
    return found


# --- write actions ---------------------------------------------------------------------------------


def package_create(call: Call) -> dict[str, Any]:
    """Create a dataset (data stewards): name, owner_org required; active unless state is draft."""
    _require_writer(call, "create a dataset")
    fields = ckan_input.package_fields(call.data, site_url=call.site_url)
    raw_id = call.text("id").strip()
    dataset = services.dataset_create(
        acting_user=call.user, fields=fields, dataset_id=ckan_input.uuid_or_error(raw_id, "id") if raw_id else None
    )
    return _show(call, dataset.pk)


def package_update(call: Call) -> dict[str, Any]:
    """Replace a dataset's metadata (absent keys are emptied; absent `resources` are kept)."""
    dataset = _dataset_for_write(call)
    fields = ckan_input.package_fields(call.data, dataset=dataset, site_url=call.site_url)
    services.dataset_update(acting_user=call.user, dataset=dataset, fields=fields)
    return _show(call, dataset.pk)


def package_patch(call: Call) -> dict[str, Any]:
    """Change only the keys given."""
    dataset = _dataset_for_write(call)
    merged = {**_show(call, dataset.pk), **call.data}
    fields = ckan_input.package_fields(merged, dataset=dataset, site_url=call.site_url)
    services.dataset_update(acting_user=call.user, dataset=dataset, fields=fields)
    return _show(call, dataset.pk)


def package_delete(call: Call) -> None:
    """Delete a dataset: it leaves every public view (state "deleted")."""
    services.dataset_delete(acting_user=call.user, dataset=_dataset_for_write(call))


def resource_create(call: Call) -> dict[str, Any]:
    """Add a resource to `package_id`: a `url`, or a file in `upload` (multipart), validated (409 with the rows).

    Even a large upload is checked while the client waits (up to the API's cap), so the answer is
    the stored resource, as ckanapi expects; only the steward's pages check in the background (ADR 0018).
    """
    dataset = _dataset_for_write(call, "package_id")
    upload = call.request.FILES.get("upload")
    fields = ckan_input.resource_fields(call.data, site_url=call.site_url, upload=upload)
    resource = services.resource_create(acting_user=call.user, dataset=dataset, fields=fields)
    shown = selectors.resource_show(user=call.user, resource_id=str(resource.pk), site_url=call.site_url)
    return shown or {}


def resource_patch(call: Call) -> dict[str, Any]:
    """Change only the keys given on resource `id`; a file in `upload` becomes its next version (`change_note`)."""
    _require_writer(call, "edit this resource")
    resource = selectors.resource_for_show(user=call.user, resource_id=call.required("id"))
    if resource is None:
        raise NotFoundError("Resource was not found.")
    current = selectors.resource_show(user=call.user, resource_id=str(resource.pk), site_url=call.site_url) or {}
    upload = call.request.FILES.get("upload")
    merged = {**current, **call.data}
    fields = ckan_input.resource_fields(merged, existing=resource, site_url=call.site_url, upload=upload)
    services.resource_update(acting_user=call.user, resource=resource, fields=fields)
    return selectors.resource_show(user=call.user, resource_id=str(resource.pk), site_url=call.site_url) or {}


def resource_update(call: Call) -> dict[str, Any]:
    """Replace resource `id`'s description (absent keys are emptied); a file in `upload` becomes its next version."""
    _require_writer(call, "edit this resource")
    resource = selectors.resource_for_show(user=call.user, resource_id=call.required("id"))
    if resource is None:
        raise NotFoundError("Resource was not found.")
    upload = call.request.FILES.get("upload")
    fields = ckan_input.resource_fields(call.data, existing=resource, site_url=call.site_url, upload=upload)
    services.resource_update(acting_user=call.user, resource=resource, fields=fields)
    return selectors.resource_show(user=call.user, resource_id=str(resource.pk), site_url=call.site_url) or {}


def organization_create(call: Call) -> dict[str, Any]:
    """Create a publisher (data stewards): name, title, description, homepage, email (a role mailbox), image_url."""
    _require_writer(call, "create an organization")
    publisher = services.publisher_create(
        acting_user=call.user,
        name=call.text("name").strip(),
        title=call.text("title").strip(),
        description=call.text("description"),
        homepage=call.text("homepage").strip(),
        email=call.text("email").strip(),
        image_url=call.text("image_url").strip(),
    )
    return (
        selectors.organization_show(id_or_name=str(publisher.pk), include_datasets=False, site_url=call.site_url) or {}
    )


def group_create(call: Call) -> dict[str, Any]:
    """Create a theme (data stewards): name, title, description, iri (e.g. an EU data theme), image_url."""
    _require_writer(call, "create a group")
    theme = services.theme_create(
        acting_user=call.user,
        name=call.text("name").strip(),
        title=call.text("title").strip(),
        description=call.text("description"),
        iri=call.text("iri").strip(),
        image_url=call.text("image_url").strip(),
    )
    return selectors.group_show(id_or_name=str(theme.pk), include_datasets=False, site_url=call.site_url) or {}


# --- datastore -------------------------------------------------------------------------------------


def _json_value(call: Call, key: str) -> Any:
    """A parameter that may be an object or list, or (as GET sends it) JSON text holding one."""
    value = call.data.get(key)
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError({key: ["Could not parse as valid JSON"]}) from None
    return value


def _datastore_table(call: Call) -> tuple[Resource, DatastoreTable]:
    wanted = call.text("resource_id").strip() or call.text("id").strip()
    if not wanted:
        raise ValidationError({"resource_id": [ckan_input.MISSING]})
    found = datastore_selectors.table_for(user=call.user, resource_id=wanted)
    if found is None:
        raise NotFoundError(f'Resource "{wanted}" was not found.')
    return found


def _links(call: Call, *, limit: int, offset: int) -> dict[str, str]:
    """CKAN's `_links`: this call's address from the start, and with the next offset (GET parameters kept)."""
    path = call.request.path
    arguments = dict(call.request.GET.items())
    start = {key: value for key, value in arguments.items() if key != "offset"}
    following = {**arguments, "offset": str(offset + limit)}
    return {
        "start": f"{path}?{urlencode(start)}" if start else path,
        "next": f"{path}?{urlencode(following)}",
    }


def datastore_search(call: Call) -> dict[str, Any]:
    """Rows of a resource's table: filters, q, distinct, plain, limit (100, ≤ 32,000), offset, fields, sort,
    include_total, records_format (objects, lists, csv, tsv)."""
    _, table = _datastore_table(call)
    wanted = datastore_selectors.SearchRequest(
        filters=_json_value(call, "filters"),
        q=_json_value(call, "q"),
        distinct=call.flag("distinct"),
        plain=call.flag("plain", default=True),
        limit=call.number("limit", datastore_selectors.LIMIT_DEFAULT),
        offset=call.number("offset", 0),
        fields=_json_value(call, "fields"),
        sort=_json_value(call, "sort"),
        include_total=call.flag("include_total", default=True),
        records_format=call.text("records_format", "objects").strip() or "objects",
    )
    result = datastore_selectors.search(table, wanted)
    result["_links"] = _links(call, limit=result["limit"], offset=wanted.offset)
    return result


def datastore_search_sql(call: Call) -> dict[str, Any]:
    """One read-only SELECT over public datastore tables (named by resource id, double-quoted), with a time limit."""
    sql = call.required("sql")
    try:
        return datastore_selectors.search_sql(sql=sql)
    except DatastoreSqlForbidden as error:
        raise NotAuthorizedError(error.message) from None
    except DatastoreSqlError as error:
        raise ValidationError({"query": [error.message]}) from None


def datastore_info(call: Call) -> dict[str, Any]:
    """A table's row count and fields (`id` or `resource_id`)."""
    resource, table = _datastore_table(call)
    return {"resource_id": str(resource.pk), **datastore_selectors.info(table)}


def _resource_for_datastore(call: Call) -> Resource:
    """The resource named by `resource_id`, or a new one made from the `resource` dict (as CKAN allows)."""
    given = call.data.get("resource")
    resource_id = call.text("resource_id").strip()
    if given and resource_id:
        raise ValidationError({"resource": ["resource cannot be used with resource_id"]})
    if not given and not resource_id:
        raise ValidationError({"resource_id": ["resource_id or resource required"]})
    if resource_id:
        resource = selectors.resource_for_show(user=call.user, resource_id=resource_id)
        if resource is None:
            raise NotFoundError(f'Resource "{resource_id}" was not found.')
        return resource
    if not isinstance(given, dict):
        raise ValidationError({"resource": ["Must be an object"]})
    dataset = selectors.dataset_for_write(id_or_name=str(given.get("package_id", "")).strip())
    if dataset is None:
        raise NotFoundError("Dataset not found")
    new_id = uuid.uuid4()
    url = f"{call.site_url}/api/3/action/datastore_search?resource_id={new_id}"
    fields = ckan_input.resource_fields({**given, "id": str(new_id), "url": given.get("url") or url})
    return services.resource_create(acting_user=call.user, dataset=dataset, fields=fields)


def datastore_create(call: Call) -> dict[str, Any]:
    """Create a resource's table or add to it (data stewards): resource_id or resource, fields, records,
    primary_key, indexes, force."""
    _require_writer(call, "create datastore tables")
    with transaction.atomic():
        resource = _resource_for_datastore(call)
        table = datastore_services.datastore_create(
            acting_user=call.user,
            resource=resource,
            fields=_json_value(call, "fields"),
            records=_json_value(call, "records"),
            primary_key=_json_value(call, "primary_key"),
            indexes=_json_value(call, "indexes"),
            force=call.flag("force"),
        )
    return {
        "resource_id": str(resource.pk),
        "fields": datastore_selectors.result_fields(table)[1:],
        "primary_key": list(table.primary_key),
        "indexes": list(table.indexes),
        "method": "insert",
    }


def datastore_upsert(call: Call) -> dict[str, Any]:
    """Insert, update or upsert `records` by primary key or `_id` (data stewards); all or nothing."""
    _require_writer(call, "write to datastore tables")
    resource, table = _datastore_table(call)
    method = call.text("method", "upsert").strip() or "upsert"
    records = _json_value(call, "records")
    datastore_services.datastore_upsert(
        acting_user=call.user, table=table, records=records, method=method, force=call.flag("force")
    )
    return {"resource_id": str(resource.pk), "method": method, "records": records or []}


def datastore_delete(call: Call) -> dict[str, Any]:
    """Delete the rows matching `filters`, or without filters the whole table (data stewards)."""
    _require_writer(call, "delete from datastore tables")
    resource, table = _datastore_table(call)
    filters = _json_value(call, "filters") if "filters" in call.data else None
    datastore_services.datastore_delete(acting_user=call.user, table=table, filters=filters, force=call.flag("force"))
    return {"resource_id": str(resource.pk), **({"filters": filters} if filters is not None else {})}


# name → (handler, answers GET). Read actions are CKAN's "side effect free" ones.
ACTIONS: dict[str, tuple[Handler, bool]] = {
    "status_show": (status_show, True),
    "site_read": (site_read, True),
    "help_show": (help_show, True),
    "package_list": (package_list, True),
    "package_show": (package_show, True),
    "package_search": (package_search, True),
    "current_package_list_with_resources": (current_package_list_with_resources, True),
    "organization_list": (organization_list, True),
    "organization_show": (organization_show, True),
    "group_list": (group_list, True),
    "group_show": (group_show, True),
    "tag_list": (tag_list, True),
    "license_list": (license_list, True),
    "resource_show": (resource_show, True),
    "resource_version_list": (resource_version_list, True),
    "package_create": (package_create, False),
    "package_update": (package_update, False),
    "package_patch": (package_patch, False),
    "package_delete": (package_delete, False),
    "resource_create": (resource_create, False),
    "resource_patch": (resource_patch, False),
    "resource_update": (resource_update, False),
    "organization_create": (organization_create, False),
    "group_create": (group_create, False),
    "datastore_search": (datastore_search, True),
    "datastore_search_sql": (datastore_search_sql, True),
    "datastore_info": (datastore_info, True),
    "datastore_create": (datastore_create, False),
    "datastore_upsert": (datastore_upsert, False),
    "datastore_delete": (datastore_delete, False),
}


# --- the door --------------------------------------------------------------------------------------


def _site_url(request: HttpRequest) -> str:
    configured: str = getattr(settings, "TOWNHALL_SITE_URL", "")
    return (configured or request.build_absolute_uri("/")).rstrip("/")


def _token_user(request: HttpRequest) -> User | None:
    """The token's owner; an unknown or revoked token reads as anonymous (writes are then refused), as in CKAN."""
    for header in ("HTTP_AUTHORIZATION", "HTTP_X_CKAN_API_KEY"):
        raw = request.META.get(header, "").strip()
        if raw.lower().startswith("bearer "):
            raw = raw[7:].strip()
        if raw:
            return selectors.api_token_user(raw_token=raw)
    return None


def _request_data(request: HttpRequest, *, read: bool) -> dict[str, Any]:
    """The call's parameters; ValueError when they are not a JSON object (or a write came by GET)."""
    if request.method == "GET":
        if not read:
            raise ValueError("Invalid request. Please use POST method for your request")
        return {key: values[0] if len(values) == 1 else values for key, values in request.GET.lists()}
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {key: values[0] if len(values) == 1 else values for key, values in request.POST.lists()}
    if not request.body.strip():
        return {}
    try:
        data = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"Error decoding JSON data. Error: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"Request data JSON decoded to {data!r} but it needs to be a dictionary.")
    return data


def _answer(status: int, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _bad_request(message: str) -> HttpResponse:
    """CKAN's own 400 for calls it cannot start: a bare JSON string, no envelope."""
    return HttpResponse(json.dumps(f"Bad request - {message}"), status=400, content_type="application/json")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, name: str) -> HttpResponse:
    found = ACTIONS.get(name)
    if found is None:
        return _bad_request(f"Action name not known: {name}")
    handler, read = found
    try:
        data = _request_data(request, read=read)
    except ValueError as error:
        return _bad_request(f"JSON Error: {error}")
    body: dict[str, Any] = {"help": request.build_absolute_uri(f"/api/3/action/help_show?name={name}")}
    call = Call(request=request, user=_token_user(request), data=data, site_url=_site_url(request))
    try:
        result = handler(call)
    except NotFoundError as error:
        body.update(success=False, error={"__type": "Not Found Error", "message": f"Not found: {error}"})
        return _answer(404, body)
    except (NotAuthorizedError, PermissionDenied) as error:
        body.update(success=False, error={"__type": "Authorization Error", "message": f"Access denied: {error}"})
        return _answer(403, body)
    except ValidationError as error:
        fields = ckan_input.ckan_errors(error)
        body.update(success=False, error={"__type": "Validation Error", **fields})
        body["error"].setdefault("message", "Validation Error: " + "; ".join(sorted(fields)))
        return _answer(409, body)
    except SearchQueryError as error:
        body.update(
            success=False, error={"__type": "Search Query Error", "message": f"Search Query is invalid: {error}"}
        )
        return _answer(400, body)
    body.update(success=True, result=result)
    return _answer(200, body)
