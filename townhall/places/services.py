"""Every write to the gazetteer.

Bulk creation takes plain specs (shapes in WGS84) and derives everything the selectors
rely on: bounding boxes, areas, British National Grid references, normalised postcodes
and search text; the demo generator uses it. `wards_import` and `addresses_import`
load a council's own files (read and checked by `importers`): they upsert by GSS code
and UPRN, all or nothing, and write one audit entry per import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Count, ProtectedError, RestrictedError
from django.utils.text import slugify
from shapely.geometry.base import BaseGeometry

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.places.geometry import (
    BoundingBox,
    area_square_metres,
    geometry_to_geojson,
    wgs84_to_bng_many,
)
from townhall.places.importers import AddressBatch, AddressRecord, ImportProblem, WardFile, WardRecord
from townhall.places.models import Address, Street, Ward
from townhall.places.postcodes import postcode_compact, postcode_normalise
from townhall.places.selectors import WardLocator, ward_locator
from townhall.places.text import search_words

_AREA_CODE = re.compile(r"[A-Z][0-9]{8}")
DEFAULT_BATCH_SIZE = 2000
_T = TypeVar("_T")


@dataclass(frozen=True)
class WardSpec:
    name: str
    code: str
    boundary: BaseGeometry  # Polygon or MultiPolygon, WGS84 (lng, lat)


@dataclass(frozen=True)
class StreetSpec:
    usrn: int
    name: str
    town: str
    lat: float
    lng: float
    locality: str = ""
    ward_code: str | None = None
    geometry: BaseGeometry | None = None  # LineString or MultiLineString, WGS84


@dataclass(frozen=True)
class AddressSpec:
    uprn: int
    usrn: int
    postcode: str
    town: str
    lat: float
    lng: float
    locality: str = ""
    sao: str = ""
    pao_name: str = ""
    pao_number: int | None = None
    pao_suffix: str = ""
    ward_code: str | None = None


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _ward_ids(codes: Iterable[str | None]) -> dict[str, int]:
    wanted = {code for code in codes if code}
    found = dict(Ward.objects.filter(code__in=wanted).values_list("code", "id"))
    missing = wanted - found.keys()
    if missing:
        raise ValueError(f"Unknown ward code(s): {', '.join(sorted(missing))}.")
    return found


def _search_text(*parts: str) -> str:
    return " ".join(search_words(*parts))[:400]


@transaction.atomic
def wards_create(*, wards: Iterable[WardSpec]) -> list[Ward]:
    """Create wards from boundaries; refuses invalid shapes and malformed codes."""
    rows = []
    for spec in wards:
        if not _AREA_CODE.fullmatch(spec.code):
            raise ValueError(f"Ward code {spec.code!r} is not in GSS form (a letter and eight digits).")
        if spec.boundary.geom_type not in {"Polygon", "MultiPolygon"} or not spec.boundary.is_valid:
            raise ValueError(f"The boundary of ward {spec.name!r} is not a valid polygon.")
        box = BoundingBox.of(spec.boundary)
        rows.append(
            Ward(
                name=spec.name,
                slug=slugify(spec.name)[:200],
                code=spec.code,
                boundary_geojson=geometry_to_geojson(spec.boundary),
                area_sq_m=area_square_metres(spec.boundary),
                min_lng=box.min_lng,
                min_lat=box.min_lat,
                max_lng=box.max_lng,
                max_lat=box.max_lat,
            )
        )
    return Ward.objects.bulk_create(rows)


@transaction.atomic
def streets_create(*, streets: Iterable[StreetSpec], batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Create streets in batches; returns how many were written."""
    specs = list(streets)
    ward_ids = _ward_ids(spec.ward_code for spec in specs)
    written = 0
    for batch in _batches(specs, batch_size):
        rows = []
        for spec in batch:
            if spec.geometry is not None and spec.geometry.geom_type not in {"LineString", "MultiLineString"}:
                raise ValueError(f"The geometry of street {spec.usrn} is not a line.")
            box = (
                BoundingBox.of(spec.geometry)
                if spec.geometry is not None
                else BoundingBox(min_lng=spec.lng, min_lat=spec.lat, max_lng=spec.lng, max_lat=spec.lat)
            )
            rows.append(
                Street(
                    usrn=spec.usrn,
                    name=spec.name,
                    locality=spec.locality,
                    town=spec.town,
                    ward_id=ward_ids[spec.ward_code] if spec.ward_code else None,
                    geometry_geojson=geometry_to_geojson(spec.geometry) if spec.geometry is not None else "",
                    lat=spec.lat,
                    lng=spec.lng,
                    min_lng=box.min_lng,
                    min_lat=box.min_lat,
                    max_lng=box.max_lng,
                    max_lat=box.max_lat,
                )
            )
        Street.objects.bulk_create(rows)
        written += len(rows)
    return written


@transaction.atomic
def addresses_create(
    *,
    addresses: Iterable[AddressSpec],
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Create addresses in batches, adding grid references, normalised postcodes and search text.

    `on_batch(n)` is called after each batch is written (progress bars).
    """
    written = 0
    street_names: dict[int, str] = {}
    ward_ids: dict[str, int] = {}
    for batch in _batches(addresses, batch_size):
        new_usrns = {spec.usrn for spec in batch} - street_names.keys()
        if new_usrns:
            street_names.update(Street.objects.filter(usrn__in=new_usrns).values_list("usrn", "name"))
            if unknown := new_usrns - street_names.keys():
                raise ValueError(f"Unknown USRN(s): {', '.join(str(usrn) for usrn in sorted(unknown))}.")
        new_codes = {spec.ward_code for spec in batch if spec.ward_code} - ward_ids.keys()
        ward_ids.update(_ward_ids(new_codes))
        eastings, northings = wgs84_to_bng_many([spec.lng for spec in batch], [spec.lat for spec in batch])
        rows = []
        for spec, easting, northing in zip(batch, eastings, northings, strict=True):
            postcode = postcode_normalise(spec.postcode)
            number = f"{spec.pao_number}{spec.pao_suffix}" if spec.pao_number is not None else ""
            rows.append(
                Address(
                    uprn=spec.uprn,
                    sao=spec.sao,
                    pao_name=spec.pao_name,
                    pao_number=spec.pao_number,
                    pao_suffix=spec.pao_suffix,
                    street_id=spec.usrn,
                    locality=spec.locality,
                    town=spec.town,
                    postcode=postcode,
                    lat=spec.lat,
                    lng=spec.lng,
                    easting=round(float(easting), 2),
                    northing=round(float(northing), 2),
                    ward_id=ward_ids[spec.ward_code] if spec.ward_code else None,
                    search_text=_search_text(
                        spec.sao,
                        spec.pao_name,
                        number,
                        street_names[spec.usrn],
                        spec.locality,
                        spec.town,
                        postcode,
                        postcode_compact(postcode),
                    ),
                )
            )
        Address.objects.bulk_create(rows)
        written += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    return written


# --- Imports of a council's own files (read and checked by townhall.places.importers) ----

MAX_PROBLEMS_KEPT = 100
_REASSIGN_CHUNK = 5000
_UPSERT_ROWS_PER_STATEMENT = 1000
ACTION_WARDS_IMPORTED = "places.wards.imported"
ACTION_ADDRESSES_IMPORTED = "places.addresses.imported"


class ImportRefusedError(ValueError):
    """An import that wrote nothing, with every reason it was refused (for the officer to fix)."""

    def __init__(self, message: str, *, reasons: Sequence[str], problem_count: int | None = None) -> None:
        super().__init__(message)
        self.reasons = list(reasons)
        self.problem_count = len(self.reasons) if problem_count is None else problem_count


class _DryRunRollbackError(Exception):
    """Raised at the end of a dry run so its transaction rolls back after everything was checked."""


@dataclass
class WardImportResult:
    """What a ward import did (or, in a dry run, would do), by GSS code."""

    created: list[str] = field(default_factory=list)  # GSS codes
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    addresses_reassigned: int = 0
    streets_reassigned: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        return (
            f"wards: {len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.deleted)} deleted; {self.addresses_reassigned} addresses and "
            f"{self.streets_reassigned} streets moved to another ward"
        )


_WARD_SHAPE_FIELDS = ("boundary_geojson", "area_sq_m", "min_lng", "min_lat", "max_lng", "max_lat")


def _ward_shape_fields(boundary: BaseGeometry) -> dict[str, Any]:
    """Stored boundary text, area and bounding box (_WARD_SHAPE_FIELDS), as wards_create derives them."""
    box = BoundingBox.of(boundary)
    return {
        "boundary_geojson": geometry_to_geojson(boundary),
        "area_sq_m": area_square_metres(boundary),
        "min_lng": box.min_lng,
        "min_lat": box.min_lat,
        "max_lng": box.max_lng,
        "max_lat": box.max_lat,
    }


def _ward_references(ward_ids: Collection[int]) -> dict[int, list[str]]:
    """What points at each ward, found through every relation any app declares to Ward.

    Uses each model's base manager, so rows hidden from default managers (restricted
    data) are counted too.
    """
    found: dict[int, list[str]] = defaultdict(list)
    for relation in Ward._meta.related_objects:
        model = relation.related_model
        name = relation.field.name
        counts = (
            model._base_manager.filter(**{f"{name}__in": list(ward_ids)})
            .order_by()
            .values_list(name)
            .annotate(count=Count("pk"))
        )
        for ward_id, count in counts:
            label = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            found[ward_id].append(f"{count} {label}")
    return found


def _slug_for(name: str, code: str, taken: set[str]) -> str:
    slug = slugify(name)[:200] or code.lower()
    if slug in taken:  # two wards of the same name (it happens across a county)
        slug = f"{slug[:190]}-{code.lower()}"
    taken.add(slug)
    return slug


def _reassign(model: type[Address] | type[Street], locator: WardLocator) -> int:
    """Give every row of `model` the ward its point now falls in; returns how many moved."""
    moved = 0
    last_id = 0
    while True:
        rows = list(
            model._base_manager.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "lat", "lng", "ward_id")[:_REASSIGN_CHUNK]
        )
        if not rows:
            return moved
        last_id = rows[-1][0]
        ward_ids = locator.ward_ids(lngs=[row[2] for row in rows], lats=[row[1] for row in rows])
        moves: dict[int | None, list[int]] = defaultdict(list)
        for (pk, _lat, _lng, old), new in zip(rows, ward_ids, strict=True):
            if old != new:
                moves[new].append(pk)
        for new, pks in moves.items():
            model._base_manager.filter(id__in=pks).update(ward_id=new)
            moved += len(pks)


def _wards_apply(records: Sequence[WardRecord], *, result: WardImportResult, prune: bool) -> bool:
    """Upsert wards by code and delete those not in the file.

    Returns True when a point may now be in a different ward (a boundary moved, or a ward
    was added or deleted), so addresses and streets need their wards again.
    """
    existing = {ward.code: ward for ward in Ward.objects.all()}
    in_file = {record.code for record in records}
    absent = [ward for code, ward in sorted(existing.items()) if code not in in_file]
    if absent:
        references = _ward_references([ward.id for ward in absent])
        referenced = [ward for ward in absent if references.get(ward.id)]
        if referenced and not prune:
            reasons = [
                f"{ward.code} {ward.name!r} is not in the file, but {', '.join(references[ward.id])} point at it."
                for ward in referenced
            ]
            reasons.append(
                "Nothing was imported. Pass --prune to delete these wards anyway: their addresses and streets are "
                "then given the ward their location falls in under the new boundaries."
            )
            raise ImportRefusedError(
                f"{len(referenced)} ward(s) missing from the file are still in use.", reasons=reasons
            )
        try:
            Ward.objects.filter(id__in=[ward.id for ward in absent]).delete()
        except (ProtectedError, RestrictedError) as error:
            raise ImportRefusedError(
                "Wards missing from the file cannot be deleted: other records protect them.",
                reasons=[f"{', '.join(ward.code for ward in absent)}: {error.args[0]}"],
            ) from error
        result.deleted = [ward.code for ward in absent]

    taken = {ward.slug for code, ward in existing.items() if code in in_file}
    changed: list[Ward] = []
    created: list[Ward] = []
    boundaries_moved = False
    for record in records:
        fields = _ward_shape_fields(record.boundary)
        ward = existing.get(record.code)
        if ward is None:
            created.append(
                Ward(code=record.code, name=record.name, slug=_slug_for(record.name, record.code, taken), **fields)
            )
            result.created.append(record.code)
            continue
        if ward.name == record.name and ward.boundary_geojson == fields["boundary_geojson"]:
            result.unchanged.append(record.code)
            continue
        boundaries_moved |= ward.boundary_geojson != fields["boundary_geojson"]
        if ward.name != record.name:
            taken.discard(ward.slug)
            ward.name = record.name
            ward.slug = ""  # chosen below, once every kept slug is known
        for name, value in fields.items():
            setattr(ward, name, value)
        changed.append(ward)
        result.updated.append(record.code)
    renamed = [ward for ward in changed if not ward.slug]
    if renamed:
        # Park renamed wards on unique placeholders first, so slugs can move between wards
        # without a unique-constraint clash part-way through the update.
        for ward in renamed:
            ward.slug = f"~{ward.code}"
        Ward.objects.bulk_update(renamed, ["slug"])
        for ward in renamed:
            ward.slug = _slug_for(ward.name, ward.code, taken)
    Ward.objects.bulk_update(changed, ["name", "slug", *_WARD_SHAPE_FIELDS])
    Ward.objects.bulk_create(created)
    return boundaries_moved or bool(created) or bool(result.deleted)


def wards_import(
    *,
    ward_file: WardFile,
    acting_user: User | None,
    source: str,
    prune: bool = False,
    dry_run: bool = False,
) -> WardImportResult:
    """Bring the wards in line with a boundary file: upsert by GSS code, all or nothing.

    Wards not in the file are deleted, but only when nothing points at them, unless
    `prune`. When any boundary moves, every address and street is given the ward its
    location now falls in, so routing by ward stays right. A dry run checks and counts
    everything, then rolls back. Raises ImportRefusedError (having written nothing).
    """
    if ward_file.problems:
        raise ImportRefusedError(
            f"{len(ward_file.problems)} problem(s) in the ward file; nothing was imported.",
            reasons=[str(problem) for problem in ward_file.problems],
        )
    result = WardImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            if _wards_apply(ward_file.wards, result=result, prune=prune):
                locator = ward_locator()
                result.addresses_reassigned = _reassign(Address, locator)
                result.streets_reassigned = _reassign(Street, locator)
            audit_record(
                actor=acting_user,
                action=ACTION_WARDS_IMPORTED,
                object_type="places.ward",
                object_id="",
                reason=f"{source}: {result.summary()}.",
            )
            if dry_run:
                raise _DryRunRollbackError
    except _DryRunRollbackError:
        pass
    return result


@dataclass
class AddressImportResult:
    """Counts from an address import, and its first problems (all go to `on_problem`)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left out for their problems (skip_invalid)
    outside_wards: int = 0
    streets_created: int = 0
    streets_updated: int = 0
    streets_unchanged: int = 0
    problem_count: int = 0
    problems: list[ImportProblem] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT
    dry_run: bool = False

    def summary(self) -> str:
        return (
            f"{self.rows} rows; addresses: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} rows skipped; streets: {self.streets_created} created, "
            f"{self.streets_updated} updated, {self.streets_unchanged} unchanged; "
            f"{self.outside_wards} addresses outside every ward"
        )


# Written for every imported address, in this order; all but the UPRN are compared to
# tell an update from an unchanged row.
_ADDRESS_COLUMNS = (
    "uprn",
    "sao",
    "pao_name",
    "pao_number",
    "pao_suffix",
    "street_id",
    "locality",
    "town",
    "postcode",
    "lat",
    "lng",
    "easting",
    "northing",
    "ward_id",
    "search_text",
)
_STREET_COLUMNS = (
    "usrn",
    "name",
    "locality",
    "town",
    "geometry_geojson",
    "lat",
    "lng",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
    "ward_id",
)


def _upsert(model: type[Address] | type[Street], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """INSERT ... ON CONFLICT (first column) DO UPDATE for many rows: the bulk import's hot path.

    Plain parameter tuples skip the ORM's per-field compilation, and the statement count
    (the database's real cost) stays low: on PostgreSQL the rows are COPYed into a
    scratch table and upserted by one INSERT ... SELECT; on SQLite, which runs in-process,
    multi-row VALUES. Several times faster than bulk_create/bulk_update at 150,000 rows.
    Identifiers come from model metadata; every value is a parameter or COPY data.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_of = {field.attname: str(field.column) for field in model._meta.concrete_fields}
    names = [quote(column_of[column]) for column in columns]
    listed = ", ".join(names)
    conflict = f"ON CONFLICT ({names[0]}) DO UPDATE SET {', '.join(f'{name} = excluded.{name}' for name in names[1:])}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            scratch = quote(f"{model._meta.db_table}_import")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {listed} FROM {table} WITH NO DATA"  # noqa: S608
            )
            with cursor.cursor.copy(f"COPY {scratch} ({listed}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {scratch} {conflict}")  # noqa: S608
            cursor.execute(f"DROP TABLE {scratch}")
            return
        limit = connection.features.max_query_params or len(names) * _UPSERT_ROWS_PER_STATEMENT
        row_sql = f"({', '.join(['%s'] * len(names))})"
        for chunk in _batches(rows, max(1, limit // len(names))):
            cursor.execute(
                f"INSERT INTO {table} ({listed}) VALUES {', '.join([row_sql] * len(chunk))} {conflict}",  # noqa: S608
                [value for row in chunk for value in row],
            )


@dataclass
class _StreetDraft:
    """A street touched by the import: its row, and its addresses' running mean position."""

    street: Street
    created: bool
    before: tuple[Any, ...] | None
    lat_sum: float = 0.0
    lng_sum: float = 0.0
    count: int = 0


def _street_row(street: Street) -> tuple[Any, ...]:
    return tuple(getattr(street, column) for column in _STREET_COLUMNS)


class _AddressWriter:
    """Writes batches of checked rows: streets first (addresses refer to them), then addresses."""

    def __init__(self, result: AddressImportResult, locator: WardLocator) -> None:
        self.result = result
        self.locator = locator
        self.streets: dict[int, _StreetDraft] = {}

    def write(self, records: Sequence[AddressRecord]) -> None:
        if not records:
            return
        self._streets_ensure(records)
        ward_ids = self.locator.ward_ids(lngs=[r.lng for r in records], lats=[r.lat for r in records])
        self.result.outside_wards += ward_ids.count(None)
        rows = [_address_row(record, ward_id) for record, ward_id in zip(records, ward_ids, strict=True)]
        existing = {
            values[0]: values[1:]
            for values in Address.objects.filter(uprn__in=[row[0] for row in rows])
            .order_by()
            .values_list(*_ADDRESS_COLUMNS)
        }
        written = [row for row in rows if existing.get(row[0]) != row[1:]]
        _upsert(Address, _ADDRESS_COLUMNS, written)
        created = sum(1 for row in written if row[0] not in existing)
        self.result.created += created
        self.result.updated += len(written) - created
        self.result.unchanged += len(rows) - len(written)

    def _streets_ensure(self, records: Sequence[AddressRecord]) -> None:
        """Create the batch's new streets (named from their first row) and note names for the rest."""
        first: dict[int, AddressRecord] = {}
        for record in records:
            if record.usrn not in self.streets:
                first.setdefault(record.usrn, record)
        if first:
            found = {street.usrn: street for street in Street.objects.filter(usrn__in=list(first))}
            new = []
            for usrn, record in first.items():
                street = found.get(usrn)
                before = _street_row(street) if street is not None else None
                if street is None:
                    street = Street(
                        usrn=usrn,
                        lat=record.lat,
                        lng=record.lng,
                        min_lng=record.lng,
                        min_lat=record.lat,
                        max_lng=record.lng,
                        max_lat=record.lat,
                    )
                    new.append(street)
                street.name, street.locality, street.town = record.street, record.locality, record.town
                self.streets[usrn] = _StreetDraft(street=street, created=before is None, before=before)
            _upsert(Street, _STREET_COLUMNS, [_street_row(street) for street in new])
        for record in records:
            draft = self.streets[record.usrn]
            draft.lat_sum += record.lat
            draft.lng_sum += record.lng
            draft.count += 1

    def finish(self) -> None:
        """Place each street without a line geometry at its addresses' mean position, in its ward."""
        drafts = list(self.streets.values())
        pointed = [draft for draft in drafts if not draft.street.geometry_geojson]
        lats = [draft.lat_sum / draft.count for draft in pointed]
        lngs = [draft.lng_sum / draft.count for draft in pointed]
        for draft, lat, lng, ward_id in zip(
            pointed, lats, lngs, self.locator.ward_ids(lngs=lngs, lats=lats), strict=True
        ):
            street = draft.street
            street.lat = street.min_lat = street.max_lat = lat
            street.lng = street.min_lng = street.max_lng = lng
            street.ward_id = ward_id
        changed = []
        for draft in drafts:
            row = _street_row(draft.street)
            if draft.created:
                self.result.streets_created += 1
                changed.append(row)
            elif row != draft.before:
                self.result.streets_updated += 1
                changed.append(row)
            else:
                self.result.streets_unchanged += 1
        _upsert(Street, _STREET_COLUMNS, changed)


def _address_row(record: AddressRecord, ward_id: int | None) -> tuple[Any, ...]:
    """An address's values in _ADDRESS_COLUMNS order, with its search text."""
    number = f"{record.pao_number}{record.pao_suffix}" if record.pao_number is not None else ""
    search_text = _search_text(
        record.sao,
        record.pao_name,
        number,
        record.street,
        record.locality,
        record.town,
        record.postcode,
        postcode_compact(record.postcode),
    )
    return (
        record.uprn,
        record.sao,
        record.pao_name,
        record.pao_number,
        record.pao_suffix,
        record.usrn,
        record.locality,
        record.town,
        record.postcode,
        record.lat,
        record.lng,
        record.easting,
        record.northing,
        ward_id,
        search_text,
    )


def addresses_import(
    *,
    batches: Iterable[AddressBatch],
    acting_user: User | None,
    source: str,
    skip_invalid: bool = False,
    dry_run: bool = False,
    on_problem: Callable[[ImportProblem], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> AddressImportResult:
    """Upsert addresses (by UPRN) and their streets (by USRN) from checked batches, in one transaction.

    Each address gets the ward its point falls in. Any problem row means nothing is
    written, unless `skip_invalid`, which leaves those rows out; either way every problem
    is passed to `on_problem` (an error report) and the first few kept in the result.
    Once a problem is seen, later batches are only checked, not written. Addresses not
    in the file are left alone: an extract may cover part of the council. Raises
    ImportRefusedError, having written nothing.
    """
    result = AddressImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            writer = _AddressWriter(result, ward_locator())
            for batch in batches:
                result.rows += batch.rows
                for problem in batch.problems:
                    result.problem_count += 1
                    if len(result.problems) < MAX_PROBLEMS_KEPT:
                        result.problems.append(problem)
                    if on_problem is not None:
                        on_problem(problem)
                result.skipped += len({problem.number for problem in batch.problems})
                if skip_invalid or not result.problem_count:
                    writer.write(batch.records)
                if on_rows is not None:
                    on_rows(batch.rows)
            if result.problem_count and not skip_invalid:
                raise ImportRefusedError(
                    f"{result.problem_count} problem(s) in {result.skipped} of {result.rows} rows; "
                    "nothing was imported.",
                    reasons=[str(problem) for problem in result.problems],
                    problem_count=result.problem_count,
                )
            writer.finish()
            audit_record(
                actor=acting_user,
                action=ACTION_ADDRESSES_IMPORTED,
                object_type="places.address",
                object_id="",
                reason=f"{source}: {result.summary()}.",
            )
            if dry_run:
                raise _DryRunRollbackError
    except _DryRunRollbackError:
        pass
    return result
