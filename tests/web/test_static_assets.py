"""The vendored, council-branded front-end assets (built by frontend/build.sh)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

VENDOR = Path(__file__).resolve().parents[2] / "townhall" / "web" / "assets" / "vendor"


def static_text(path: str) -> str:
    found = finders.find(path)
    assert found, f"{path} is not a static file"
    return Path(str(found)).read_text(encoding="utf-8")


def test_council_css_has_no_gov_uk_font_or_crest_and_sets_brand_colour() -> None:
    css = static_text("vendor/govuk-frontend/council.min.css")

    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "url(" not in css
    assert re.search(r'--govuk-frontend-version:\s*"6\.6\.0"', css)
    brand = re.search(r"--govuk-brand-colour:\s*(#[0-9a-f]{6})", css)
    assert brand is not None
    assert brand.group(1) != "#1d70b8"  # not GOV.UK blue
    assert "font-family:arial,sans-serif" in css
    assert ".govuk-generic-header" in css


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("vendor/govuk-frontend/govuk-frontend.min.js", 'const version="6.6.0"'),
        ("vendor/htmx/htmx.min.js", '"2.0.11"'),
        ("vendor/leaflet/leaflet.js", '"1.9.4"'),
        ("vendor/leaflet/leaflet.css", ".leaflet-container"),
    ],
)
def test_vendored_file_is_the_pinned_version(path: str, marker: str) -> None:
    assert marker in static_text(path)


def test_no_source_map_comments_that_would_break_collectstatic() -> None:
    for path in VENDOR.rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert "sourceMappingURL" not in path.read_text(encoding="utf-8"), path


def test_licences_and_readme_are_vendored() -> None:
    readme = (VENDOR / "README.md").read_text()
    for package, version, licence in (
        ("govuk-frontend", "6.6.0", "MIT"),
        ("htmx.org", "2.0.11", "0BSD"),
        ("leaflet", "1.9.4", "BSD-2-Clause"),
    ):
        assert re.search(rf"`{re.escape(package)}` \| {re.escape(version)} \| {licence}", readme), package
    assert "MIT License" in (VENDOR / "govuk-frontend" / "LICENSE.txt").read_text()
    assert (VENDOR / "htmx" / "LICENSE").is_file()
    assert (VENDOR / "leaflet" / "LICENSE").is_file()


def test_no_gov_uk_fonts_or_images_are_vendored() -> None:
    names = {p.name.lower() for p in VENDOR.rglob("*")}
    assert not any(n.endswith((".woff", ".woff2")) for n in names)
    assert not any("crest" in n or "crown" in n or n.startswith("govuk-icon") for n in names)


def test_default_logo_has_accessible_text() -> None:
    svg = static_text("townhall/logo.svg")

    assert 'role="img"' in svg
    assert re.search(r"<title[^>]*>[^<]+</title>", svg)


@pytest.mark.django_db
def test_every_static_file_the_base_template_names_exists(client: Client) -> None:
    html = client.get("/").content.decode()
    paths = re.findall(r'(?:src|href)="/static/([^"]+)"', html)

    assert len(paths) >= 6
    for path in paths:
        assert finders.find(path), path
