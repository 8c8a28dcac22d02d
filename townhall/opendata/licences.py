"""The licences every Townhall offers, ensured after each migrate (and after test flushes), OGL v3 the default.

A post_migrate ensure rather than a data migration, so a database flushed between
transactional tests gets them back too. Councils may add more; these are never removed.
"""

from __future__ import annotations

from typing import Any

from django.db import models

DEFAULT_LICENCE_KEY = "OGL-UK-3.0"

# key, title, url (the licence's own page, used as its IRI in DCAT)
STANDARD_LICENCES: tuple[tuple[str, str, str], ...] = (
    (
        "OGL-UK-3.0",
        "Open Government Licence v3.0",
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
    (
        "OGL-UK-2.0",
        "Open Government Licence v2.0",
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/2/",
    ),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC0-1.0", "Creative Commons CCZero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("ODC-BY-1.0", "Open Data Commons Attribution License 1.0", "https://opendatacommons.org/licenses/by/1-0/"),
    ("ODbL-1.0", "Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
)


def ensure_standard_licences(sender: Any = None, **kwargs: Any) -> None:
    """Create any missing standard licence; the default is OGL v3 unless a council chose another."""
    from townhall.opendata.models import Licence

    using = kwargs.get("using", "default")
    manager: models.Manager[Licence] = Licence.objects.db_manager(using)
    for key, title, url in STANDARD_LICENCES:
        manager.get_or_create(key=key, defaults={"title": title, "url": url})
    if not manager.filter(is_default=True).exists():
        manager.filter(key=DEFAULT_LICENCE_KEY).update(is_default=True)
