"""The OpenAPI schema is generated, valid OpenAPI 3.1, documents every endpoint and error; the docs load nothing
from elsewhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.api.conftest import BASE, PROBLEM

ENDPOINTS = {
    "/api/v1/services": {"get"},
    "/api/v1/services/{code}": {"get"},
    "/api/v1/addresses": {"get"},
    "/api/v1/requests": {"get", "post"},
    "/api/v1/requests/{reference}": {"get"},
    "/api/v1/requests/{reference}/updates": {"post"},
    "/api/v1/me/requests": {"get"},
    "/api/v1/me/requests/{reference}": {"get"},
}


def schema(client) -> dict:
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi(client, db):
    found = schema(client)
    validate(found)
    assert found["openapi"].startswith("3.1")
    assert found["info"]["title"] == "Townhall API"
    assert found["info"]["version"] == "1"


def test_schema_documents_every_endpoint_with_its_errors_and_auth(client, db):
    found = schema(client)
    assert {path: set(operations) for path, operations in found["paths"].items()} == ENDPOINTS
    assert set(found["components"]["securitySchemes"]) == {"ApiKeyBearer", "SignedInSession"}
    for path, operations in found["paths"].items():
        for method, operation in operations.items():
            errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}
            assert errors, f"{method} {path} documents no error"
            for answer in errors.values():
                assert answer["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    create = found["paths"]["/api/v1/requests"]["post"]
    assert {"401", "403", "422", "429"} <= set(create["responses"])
    assert create["security"] == [{"ApiKeyBearer": []}, {"SignedInSession": []}]
    assert "security" not in found["paths"]["/api/v1/requests"]["get"]
    problem = found["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}


def test_docs_page_uses_only_local_files(client, db):
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/static/ninja/swagger-ui.css", "/static/ninja/swagger-ui-bundle.js"} <= set(assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among the static files"
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["validatorUrl"] is None, "Swagger UI's online validator badge would call out"
    assert settings["url"] == "/api/v1/openapi.json"


def test_bundled_swagger_init_script_calls_nowhere(db):
    script = Path(finders.find("ninja/swagger-ui-init.js")).read_text()
    assert "http://" not in script
    assert "https://" not in script
