"""Data quality figures counted straight from the tables (plain SQL and the format checks), and read off the page.

The dashboard must show the same numbers these independent counts give.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection

from townhall.catalogue.formats import check_format
from townhall.catalogue.models import FieldRule
from townhall.people.constants import PERSON_FIELDS
from townhall.people.models import SourceSystem

ACTIVE = "deleted_at IS NULL"


@dataclass(frozen=True)
class Direct:
    records: int
    filled: dict[str, int]
    valid: dict[str, tuple[int, int]]
    duplicates: int
    conflicts: int


def _scalar_rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def direct_figures(source: SourceSystem) -> Direct:
    """{records, filled: {field: n}, valid: {field: (valid, checked)}, duplicates, conflicts} by SQL."""
    table = "people_sourcerecord"
    (records,) = _scalar_rows(f"SELECT COUNT(*) FROM {table} WHERE source_system_id = %s AND {ACTIVE}", [source.pk])[0]  # noqa: S608
    filled = {}
    for name in PERSON_FIELDS:
        present = f"{name} IS NOT NULL" if name == "date_of_birth" else f"{name} <> ''"
        filled[name] = _scalar_rows(
            f"SELECT COUNT(*) FROM {table} WHERE source_system_id = %s AND {ACTIVE} AND {present}",  # noqa: S608
            [source.pk],
        )[0][0]
    valid: dict[str, tuple[int, int]] = {}
    for rule in FieldRule.objects.filter(asset__name=source.asset_name).select_related("standard"):
        if rule.field_name not in PERSON_FIELDS:
            continue
        good = checked = 0
        for (value,) in _scalar_rows(
            f"SELECT {rule.field_name} FROM {table} WHERE source_system_id = %s AND {ACTIVE}",  # noqa: S608
            [source.pk],
        ):
            text = "" if value is None else str(value)
            if not text.strip():
                if rule.required:
                    checked += 1
                continue
            checked += 1
            good += not check_format(rule.standard.kind, text, rule.standard.parameter)
        valid[rule.field_name] = (good, checked)
    (duplicates,) = _scalar_rows(
        f"SELECT COUNT(*) - COUNT(DISTINCT citizen_id) FROM {table} "  # noqa: S608
        f"WHERE source_system_id = %s AND {ACTIVE} AND citizen_id IS NOT NULL",
        [source.pk],
    )[0]
    conflicts = 0
    for present, differs in (
        ("{t}.date_of_birth IS NOT NULL", "a.date_of_birth <> b.date_of_birth"),
        ("{t}.surname <> ''", "LOWER(a.surname) <> LOWER(b.surname)"),
    ):
        conflicts += _scalar_rows(
            f"SELECT COUNT(DISTINCT a.id) FROM {table} a JOIN {table} b "  # noqa: S608
            "ON a.citizen_id = b.citizen_id AND a.source_system_id <> b.source_system_id "
            f"WHERE a.source_system_id = %s AND a.{ACTIVE} AND b.{ACTIVE} "
            f"AND {present.format(t='a')} AND {present.format(t='b')} AND {differs}",
            [source.pk],
        )[0][0]
    return Direct(records, filled, valid, duplicates, conflicts)


def page_figures(html: str) -> dict[str, dict[str, Any]]:
    """{source code: {records, duplicates, conflicts, open, filled: {field: (n, of)}, valid: {field: (n, of)}}}."""
    result: dict[str, dict[str, Any]] = defaultdict(dict)
    for code, row in re.findall(r'<tr class="govuk-table__row" data-source="([^"]+)">(.*?)</tr>', html, re.S):
        for name, value in re.findall(r'data-figure="([a-z-]+)">([^<]*)<', row):
            result[code][name] = value.strip()
    for code, table in re.findall(r'data-source-fields="([^"]+)">(.*?)</table>', html, re.S):
        filled: dict[str, tuple[int, int]] = {}
        valid: dict[str, tuple[int, int]] = {}
        for name, row in re.findall(r'data-field="([a-z_0-9]+)">(.*?)</tr>', table, re.S):
            for figure, good, out_of in re.findall(r'data-figure="(filled|valid)">(\d+) of (\d+)<', row):
                (filled if figure == "filled" else valid)[name] = (int(good), int(out_of))
        result[code]["filled"] = filled
        result[code]["valid"] = valid
    return dict(result)
