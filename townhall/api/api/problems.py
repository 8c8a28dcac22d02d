"""One error shape for every failure of /api/v1/: RFC 9457 problem details (ADR 0011).

`{"type": "about:blank", "title": ..., "status": ..., "detail": ..., "instance": ...,
"errors": [{"loc": [...], "msg": ..., "type": ...}]}` as `application/problem+json`, for
401, 403, 404, 405, 422, 429 and 500 alike, whether the failure was found by ninja (bad
input, authentication), by an endpoint, by a service, or by Django's URL routing.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# Endpoints take their JSON body as a parameter called `payload`; clients see ["body", field, ...].
BODY_PARAMETER = "payload"

Loc = list[str | int]


class FieldError(Schema):
    loc: Loc
    msg: str
    type: str


class Problem(Schema):
    """RFC 9457 problem details, with `errors` naming each field at fault (empty when no field is)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] = []


class ProblemError(Exception):
    """Raised by an endpoint to answer with a problem; `headers` are added to the response (e.g. Retry-After)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    *,
    errors: Iterable[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "errors": [{"loc": list(e["loc"]), "msg": str(e["msg"]), "type": str(e["type"])} for e in errors],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The `response=` entries documenting an endpoint's error statuses in the OpenAPI schema."""
    return dict.fromkeys(statuses, Problem)


def _client_loc(loc: Sequence[Any]) -> Loc:
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "body" and parts[1] == BODY_PARAMETER:
        del parts[1]
    return parts


def _problem_for(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    """The one exception handler: every failure inside ninja's endpoints becomes a problem."""
    if isinstance(exc, NinjaValidationError):
        errors = [
            {"loc": _client_loc(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors
        ]
        return problem_response(request, 422, "The request has errors: see `errors`.", errors=errors)
    if isinstance(exc, AuthenticationError):
        detail = exc.message
        if detail == "Unauthorized":
            detail = "Sign in, or send an API key as `Authorization: Bearer <key>`."
        return problem_response(request, 401, detail, headers={"WWW-Authenticate": 'Bearer realm="townhall"'})
    if isinstance(exc, HttpError):
        wait = getattr(exc, "wait", None)
        headers = {"Retry-After": str(int(wait))} if exc.status_code == HTTPStatus.TOO_MANY_REQUESTS and wait else {}
        return problem_response(request, exc.status_code, exc.message, headers=headers)
    if isinstance(exc, ProblemError):
        return problem_response(request, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
    if isinstance(exc, Http404):
        return problem_response(request, 404, "Not found.")
    if isinstance(exc, PermissionDenied):
        return problem_response(request, 403, str(exc) or "You may not do this.")
    logger.exception("Unhandled error in the API", exc_info=exc if isinstance(exc, Exception) else None)
    got_request_exception.send(sender=None, request=request)
    return problem_response(request, 500, "Something went wrong on our side. Try again later.")


def install(api: NinjaAPI) -> None:
    """Answer every failure inside ninja's endpoints with a problem (ninja picks the closest class registered)."""
    for kind in (NinjaValidationError, HttpError, ProblemError, Http404, PermissionDenied, Exception):
        api.add_exception_handler(kind, _problem_for)


def service_errors(error: DjangoValidationError, locs: Mapping[str, Loc]) -> ProblemError:
    """A service's ValidationError as a 422 problem; `locs` maps the service's field names to the client's.

    Answers name their question (`params["question"]`), so they point at ["body", "answers", code].
    """
    errors: list[dict[str, Any]] = []
    fields = error.error_dict if hasattr(error, "error_dict") else {"__all__": error.error_list}
    for name, problems_found in fields.items():
        base = locs.get(name, ["body"] if name == "__all__" else ["body", name])
        for problem in problems_found:
            loc = list(base)
            params = problem.params or {}
            if name == "answers" and params.get("question"):
                loc.append(params["question"])
            message = problem.message % params if params else problem.message
            errors.append({"loc": loc, "msg": message, "type": problem.code or "invalid"})
    return ProblemError(422, "The request has errors: see `errors`.", errors=errors)


def with_problems(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap a URL's view so Django-level 404s and 405s (outside ninja's handlers) are problems too."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem_response(request, 404, "Not found.")
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return problem_response(
                request, 405, f"{request.method} is not allowed here; use {allowed}.", headers={"Allow": allowed}
            )
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every path under /api/v1/ that names no endpoint."""
    return problem_response(request, 404, "There is no such endpoint in this API.")
