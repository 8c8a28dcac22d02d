"""Open311 fixtures: the two-ward borough and pothole category from tests/service_requests, schema checks, an API key.

JSON is validated against open311/schema-validation's published GeoReport v2 schemas
(vendored in schemas/open311-schema-validation, see SOURCE.md) and, where the project
publishes none (discovery, errors, POST response, tokens), against schemas/local. XML is
validated against the XSDs in schemas/xsd, written from the spec.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache as django_cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from jsonschema import Draft202012Validator, FormatChecker
from lxml import etree
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.service_requests.conftest import borough, pothole, roads, teams  # noqa: F401 - fixtures
from townhall.open311 import services as open311_services
from townhall.service_requests import services as request_services
from townhall.service_requests.constants import Channel
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.services import ReporterContact

SCHEMAS = Path(__file__).parent / "schemas"
PUBLISHED = {"services", "service", "service-definition", "requests", "request"}

# Contact details and notes that must never leave the back office.
SECRET_NAME = "Zebedee Quillfeather"
SECRET_EMAIL = "zebedee.quillfeather@example.org"
SECRET_PHONE = "01632 960 777"
SECRET_NOTE = "Internal: reporter is a known caller"


@cache
def _registry() -> Registry:
    resources = []
    for name in PUBLISHED:
        contents = json.loads((SCHEMAS / "open311-schema-validation" / f"{name}.json").read_text())
        resources.append((f"{name}.json", Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def _json_validator(name: str) -> Draft202012Validator:
    folder = "open311-schema-validation" if name in PUBLISHED else "local"
    schema = json.loads((SCHEMAS / folder / f"{name}.json").read_text())
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


@cache
def _xsd(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xsd" / f"{name}.xsd")))


def assert_json(response: HttpResponse, schema: str, *, status: int = 200) -> Any:
    """The body is JSON valid against `schema` (a published or local schema name); returns it parsed."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    errors = sorted(_json_validator(schema).iter_errors(body), key=str)
    assert not errors, [error.message for error in errors]
    return body


def assert_xml(response: HttpResponse, xsd: str, *, status: int = 200) -> etree._Element:
    """The body is XML valid against schemas/xsd/<xsd>.xsd; returns the document element."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/xml")
    document = etree.fromstring(response.content)
    schema = _xsd(xsd)
    assert schema.validate(document), schema.error_log.filter_from_errors()
    return document


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the (per-process) cache: start every test with none."""
    django_cache.clear()
    yield
    django_cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg(name: str = "photo1.jpeg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    """A real (tiny) JPEG upload, as a phone or FixMyStreet sends it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def api_key(db) -> str:
    _, raw_key = open311_services.api_key_create(acting_user=None, name="FixMyStreet")
    return raw_key


def report(category: Category, point: tuple[float, float], **kwargs: object) -> ServiceRequest:
    lat, lng = point
    fields: dict[str, object] = {
        "acting_user": None,
        "category": category,
        "description": "Deep pothole by the bus stop",
        "channel": Channel.OPEN311,
        "lat": lat,
        "lng": lng,
        "answers": {"depth": "deep"},
        "contact": ReporterContact(name=SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE),
    }
    fields.update(kwargs)
    return request_services.service_request_create(**fields)  # type: ignore[arg-type]
