"""Reading a council's gazetteer files: ward boundaries (GeoJSON) and address extracts (CSV).

Parsing and validation only, with no database access, so every problem in a file can be
found and reported (with its feature index or row number) before anything is written.
The writes are `services.wards_import` and `services.addresses_import`, all or nothing.
Address extracts are read as a stream, in batches, so a 150,000-row LLPG file never has
to fit in memory; ward files are small enough to load whole.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from townhall.places.geometry import (
    BRITISH_NATIONAL_GRID,
    NATIONAL_GRID_MAX_EASTING,
    NATIONAL_GRID_MAX_NORTHING,
    WGS84,
    bng_to_wgs84_many,
    geometry_to_wgs84,
    great_britain_bounds,
    in_great_britain_many,
    wgs84_to_bng_many,
)
from townhall.places.models import Address, Street, Ward
from townhall.places.postcodes import InvalidPostcodeError, postcode_normalise

GSS_CODE = re.compile(r"[A-Z][0-9]{8}")
DEFAULT_BATCH_SIZE = 2000
_MAX_SHOWN_VALUE = 60
_Report = Callable[[str, str, str], None]  # (field, value, message) for the row being read
_Get = Callable[[str], str]  # a field's cleaned text in the row being read


class ImportFileError(ValueError):
    """The file as a whole cannot be used (not GeoJSON, a missing column, an unknown CRS)."""


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with one feature or row, worded for the officer who will fix the file.

    Rows are numbered as a spreadsheet shows them (the header is row 1); features by
    their index in the GeoJSON `features` array, from 0.
    """

    kind: Literal["row", "feature"]
    number: int
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.kind} {self.number}"
        if self.field:
            where += f", {self.field}"
            if self.value:
                where += f" {_shown(self.value)}"
        return f"{where}: {self.message}"


def _shown(value: str) -> str:
    return repr(value if len(value) <= _MAX_SHOWN_VALUE else value[: _MAX_SHOWN_VALUE - 1] + "…")


class ProblemReport:
    """An error-report CSV written as problems arrive, so a file with many bad rows needs no memory for them."""

    HEADER = ("row", "column", "value", "problem")

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream)
        self._writer.writerow(self.HEADER)

    def add(self, problem: ImportProblem) -> None:
        self._writer.writerow([problem.number, problem.field, problem.value, problem.message])


# --- Wards (GeoJSON) ----------------------------------------------------------------------

# Property names tried in order when none is given: ours first, then ONS boundary files (WD24CD, WD24NM).
_CODE_PROPERTIES = ("code", "gss_code", "gss", "ward_code", "wardcode")
_NAME_PROPERTIES = ("name", "ward_name", "wardname")
_ONS_CODE = re.compile(r"WD\d{2}CD", re.IGNORECASE)
_ONS_NAME = re.compile(r"WD\d{2}NM", re.IGNORECASE)
_WARD_NAME_MAX = Ward._meta.get_field("name").max_length or 200


@dataclass(frozen=True)
class WardRecord:
    """A ward read from a boundary file, its boundary re-projected to WGS84 if need be."""

    feature: int
    code: str
    name: str
    boundary: BaseGeometry  # valid Polygon or MultiPolygon, WGS84 (lng, lat)


@dataclass
class WardFile:
    """What a boundary file holds: wards, the problems that stop it being imported, and repairs made."""

    crs: str
    wards: list[WardRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    repairs: list[ImportProblem] = field(default_factory=list)
    filtered_out: int = 0


def _geojson_crs(document: Mapping[str, Any]) -> str:
    """WGS84 (RFC 7946) unless a legacy `crs` member names British National Grid."""
    member = document.get("crs")
    if member is None:
        return WGS84
    properties = member.get("properties", {}) if isinstance(member, Mapping) else {}
    name = properties.get("name") or (f"EPSG:{properties['code']}" if "code" in properties else None)
    if not isinstance(name, str):
        raise ImportFileError(f"The GeoJSON `crs` member does not name a coordinate system: {json.dumps(member)}.")
    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        raise ImportFileError(f"The GeoJSON `crs` member names {name!r}, which is not a known CRS.") from None
    if crs.to_epsg() == 27700:
        return BRITISH_NATIONAL_GRID
    if crs.to_epsg() in {4326, 4258} or crs.to_authority() == ("OGC", "CRS84"):
        # GeoJSON always puts longitude first, whatever EPSG:4326's official axis order.
        return WGS84
    raise ImportFileError(
        f"The GeoJSON `crs` member names {name!r}. Ward boundaries must be in WGS84 (RFC 7946, no `crs`) "
        "or British National Grid (EPSG:27700); re-project the file first, e.g. with ogr2ogr -t_srs EPSG:4326."
    )


def _property_choose(
    properties: Mapping[str, Any], given: str | None, names: Sequence[str], ons: re.Pattern[str], what: str
) -> str:
    if given:
        return given
    keys = list(properties)
    for wanted in names:
        for key in keys:
            if key.lower() == wanted:
                return key
    for key in keys:
        if ons.fullmatch(key):
            return key
    raise ImportFileError(
        f"Could not tell which property holds the ward {what}; the first feature has "
        f"{', '.join(keys) or 'no properties'}. Name it with --{what}-property."
    )


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons make_valid produced, without the lines or points it may add along the way."""
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            polygons.extend(p for p in shapely.get_parts(_polygonal_part(part)) if isinstance(p, Polygon))
    if not polygons:
        return Polygon()
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


class _WardReader:
    def __init__(self, *, crs: str, code_property: str, name_property: str, repair: bool) -> None:
        self.file = WardFile(crs=crs)
        self.crs = crs
        self.code_property = code_property
        self.name_property = name_property
        self.repair = repair
        self.codes: dict[str, int] = {}

    def problem(self, index: int, field: str, value: object, message: str) -> None:
        self.file.problems.append(ImportProblem("feature", index, field, "" if value is None else str(value), message))

    def text_property(self, index: int, properties: Mapping[str, Any], key: str, what: str) -> str:
        value = properties.get(key)
        text = "" if value is None else str(value).strip()
        if not text:
            self.problem(index, key, None, f"The ward {what} is missing or empty.")
        return text

    def read(self, index: int, feature: Any) -> None:
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            self.problem(index, "type", None, "This is not a GeoJSON Feature.")
            return
        before = len(self.file.problems)
        properties = _properties(feature)
        code = self.text_property(index, properties, self.code_property, "code")
        name = self.text_property(index, properties, self.name_property, "name")
        if code and not GSS_CODE.fullmatch(code):
            self.problem(
                index,
                self.code_property,
                code,
                "A ward code must be a GSS code: a capital letter and 8 digits, e.g. E05000001.",
            )
        elif code in self.codes:
            self.problem(
                index,
                self.code_property,
                code,
                f"This code is also used by feature {self.codes[code]}; codes must be unique.",
            )
        elif code:
            self.codes[code] = index
        if len(name) > _WARD_NAME_MAX:
            self.problem(index, self.name_property, name, f"The ward name is longer than {_WARD_NAME_MAX} characters.")
        boundary = self.boundary(index, feature.get("geometry"))
        if boundary is not None and len(self.file.problems) == before:
            self.file.wards.append(WardRecord(feature=index, code=code, name=name, boundary=boundary))

    def boundary(self, index: int, geometry: Any) -> BaseGeometry | None:
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind not in {"Polygon", "MultiPolygon"}:
            self.problem(index, "geometry", kind or "null", "A ward boundary must be a Polygon or MultiPolygon.")
            return None
        try:
            parsed = shape(geometry)
        except (ShapelyError, ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
            self.problem(index, "geometry", kind, f"The coordinates are malformed ({error}).")
            return None
        if parsed.is_empty:
            self.problem(index, "geometry", kind, "The boundary is empty.")
            return None
        if not all(math.isfinite(value) for value in parsed.bounds):
            self.problem(index, "geometry", kind, "The boundary has coordinates that are not numbers.")
            return None
        if not self.inside_great_britain(index, parsed):
            return None
        if not parsed.is_valid:
            reason = shapely.is_valid_reason(parsed)
            if not self.repair:
                self.problem(
                    index,
                    "geometry",
                    kind,
                    f"The boundary is not a valid polygon ({reason}); fix it, or pass --repair.",
                )
                return None
            repaired = _polygonal_part(shapely.make_valid(parsed))
            if repaired.is_empty:
                self.problem(
                    index, "geometry", kind, f"The boundary is not a valid polygon ({reason}) and cannot be repaired."
                )
                return None
            self.file.repairs.append(
                ImportProblem("feature", index, "geometry", kind, f"Repaired with make_valid: {reason}.")
            )
            parsed = repaired
        return geometry_to_wgs84(parsed) if self.crs == BRITISH_NATIONAL_GRID else parsed

    def inside_great_britain(self, index: int, geometry: BaseGeometry) -> bool:
        min_x, min_y, max_x, max_y = geometry.bounds
        if self.crs == BRITISH_NATIONAL_GRID:
            if min_x < 0 or min_y < 0 or max_x > NATIONAL_GRID_MAX_EASTING or max_y > NATIONAL_GRID_MAX_NORTHING:
                self.problem(
                    index,
                    "geometry",
                    None,
                    "The boundary is not within the British National Grid (the file says EPSG:27700).",
                )
                return False
            return True
        if max(abs(min_x), abs(max_x)) > 180 or max(abs(min_y), abs(max_y)) > 90:
            self.problem(
                index,
                "geometry",
                None,
                "The coordinates are not longitude/latitude. If they are British National Grid metres, "
                'add "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}} to the file.',
            )
            return False
        box = great_britain_bounds()
        if min_x < box.min_lng or max_x > box.max_lng or min_y < box.min_lat or max_y > box.max_lat:
            self.problem(
                index,
                "geometry",
                None,
                "The boundary is not in Great Britain (is longitude first, as GeoJSON requires?).",
            )
            return False
        return True


def _properties(feature: Any) -> Mapping[str, Any]:
    properties = feature.get("properties") if isinstance(feature, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def _matches(feature: Any, filters: Mapping[str, str]) -> bool:
    """Whether a feature passes --where (features that are not objects pass, to be reported)."""
    if not isinstance(feature, Mapping):
        return True
    properties = _properties(feature)
    return all(str(properties.get(key, "")) == value for key, value in filters.items())


def ward_file_read(
    path: Path,
    *,
    code_property: str | None = None,
    name_property: str | None = None,
    where: Mapping[str, str] | None = None,
    repair: bool = False,
) -> WardFile:
    """Read and check every feature of a ward boundary FeatureCollection.

    `where` keeps only features whose properties equal the given values (an ONS file for
    the whole country filtered to one council, say). Raises ImportFileError when the file
    as a whole is unusable; problems with single features are collected in the result.
    """
    try:
        with path.open("rb") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(f"{path.name} is not a readable JSON file: {error}") from None
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise ImportFileError(f"{path.name} is not a GeoJSON FeatureCollection.")
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportFileError(f"{path.name} has no `features` array.")
    crs = _geojson_crs(document)
    filters = dict(where or {})
    chosen = [(index, feature) for index, feature in enumerate(features) if _matches(feature, filters)]
    if not chosen:
        raise ImportFileError(
            f"{path.name} has no features"
            + (f" where {', '.join(f'{k}={v}' for k, v in filters.items())}." if filters else ".")
        )
    first_properties = _properties(chosen[0][1])
    reader = _WardReader(
        crs=crs,
        code_property=_property_choose(first_properties, code_property, _CODE_PROPERTIES, _ONS_CODE, "code"),
        name_property=_property_choose(first_properties, name_property, _NAME_PROPERTIES, _ONS_NAME, "name"),
        repair=repair,
    )
    for index, feature in chosen:
        reader.read(index, feature)
    reader.file.filtered_out = len(features) - len(chosen)
    return reader.file


def where_parse(pairs: Sequence[str]) -> dict[str, str]:
    """PROPERTY=VALUE pairs from the command line."""
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ImportFileError(f"{pair!r} is not in the form PROPERTY=VALUE.")
        result[key.strip()] = value.strip()
    return result


# --- Addresses (CSV) ----------------------------------------------------------------------


class Coordinates(StrEnum):
    AUTO = "auto"
    BNG = "bng"  # X_COORDINATE / Y_COORDINATE, EPSG:27700
    WGS84 = "wgs84"  # LATITUDE / LONGITUDE


# Our field names, and the headers each is found under when no mapping is given
# (AddressBase Plus / Premium LPI, LLPG and DPA-style extracts), compared case-insensitively.
ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "uprn": ("UPRN",),
    "usrn": ("USRN",),
    "sao": ("SAO", "SAO_TEXT", "SUB_BUILDING_NAME"),
    "sao_number": ("SAO_NUMBER", "SAO_START_NUMBER"),
    "sao_suffix": ("SAO_SUFFIX", "SAO_START_SUFFIX"),
    "pao": ("PAO", "PAO_TEXT", "BUILDING_NAME"),
    "pao_number": ("PAO_NUMBER", "PAO_START_NUMBER", "BUILDING_NUMBER"),
    "pao_suffix": ("PAO_SUFFIX", "PAO_START_SUFFIX"),
    "street": ("STREET", "STREET_NAME", "STREET_DESCRIPTION", "STREET_DESCRIPTOR", "THOROUGHFARE"),
    "locality": ("LOCALITY", "LOCALITY_NAME", "DEPENDENT_LOCALITY"),
    "town": ("TOWN", "TOWN_NAME", "POST_TOWN"),
    "postcode": ("POSTCODE", "POSTCODE_LOCATOR", "POST_CODE"),
    "address_line_1": ("ADDRESS_LINE_1", "ADDRESS_LINE1", "ADDRESS1"),
    "address_line_2": ("ADDRESS_LINE_2", "ADDRESS_LINE2", "ADDRESS2"),
    "address_line_3": ("ADDRESS_LINE_3", "ADDRESS_LINE3", "ADDRESS3"),
    "easting": ("X_COORDINATE", "EASTING", "X"),
    "northing": ("Y_COORDINATE", "NORTHING", "Y"),
    "latitude": ("LATITUDE", "LAT"),
    "longitude": ("LONGITUDE", "LONG", "LNG", "LON"),
}
_LINE_FIELDS = ("address_line_1", "address_line_2", "address_line_3")
_STRUCTURED_FIELDS = ("sao", "sao_number", "pao", "pao_number")

_NUMBER = re.compile(r"(\d{1,9})\s*([A-Za-z]{0,2})")
_NUMBERED_STREET = re.compile(r"(\d{1,9})\s*([A-Za-z]{0,2})\s+(\S.*)")
# Last words that mark an unnumbered address line as a street ("Church Close", "Mill Lane").
_STREET_WORDS = re.compile(
    r".*\b(road|rd|street|st|lane|ln|avenue|ave|close|drive|way|place|crescent|court|gardens|grove|terrace|"
    r"hill|row|walk|square|mews|green|park|rise|view|vale|parade|wynd|gate|chase|croft|meadow|meadows|"
    r"bank|brow|fold|boulevard|causeway|esplanade|promenade|approach|circus|embankment|quay|wharf|yard)",
    re.IGNORECASE,
)
# Words that begin a secondary addressable object ("Flat 2") rather than a building name.
_SAO_WORDS = re.compile(
    r"(flat|apartment|apt|unit|room|suite|studio|maisonette|annexe|annex|basement|floor|ground floor|"
    r"first floor|second floor|third floor|top floor|block)\b",
    re.IGNORECASE,
)
_MAX_UPRN_DIGITS = 12
_MAX_USRN_DIGITS = 8
_LENGTHS = {
    "sao": Address._meta.get_field("sao").max_length,
    "pao": Address._meta.get_field("pao_name").max_length,
    "pao_suffix": Address._meta.get_field("pao_suffix").max_length,
    "street": Street._meta.get_field("name").max_length,
    "locality": Address._meta.get_field("locality").max_length,
    "town": Address._meta.get_field("town").max_length,
}
_PAO_NUMBER_MAX = 2_147_483_647  # PositiveIntegerField on every database


def mapping_parse(*, columns_json: str | None = None, column_pairs: Sequence[str] = ()) -> dict[str, str]:
    """A field -> header mapping from --columns (a JSON object, or a path to one) and --column FIELD=HEADER.

    Pairs given one by one override the JSON, so a saved mapping can be adjusted for one run.
    """
    mapping: dict[str, str] = {}
    if columns_json:
        text = columns_json
        if not text.lstrip().startswith("{"):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as error:
                raise ImportFileError(f"Cannot read the column mapping {columns_json!r}: {error.strerror}.") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"The column mapping is not valid JSON: {error}.") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise ImportFileError(
                'The column mapping must be a JSON object of field names to headers, e.g. {"uprn": "PROPERTY_REF"}.'
            )
        mapping.update(loaded)
    for pair in column_pairs:
        name, sep, header = pair.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise ImportFileError(f"{pair!r} is not in the form FIELD=HEADER (e.g. uprn=PROPERTY_REF).")
        mapping[name.strip()] = header.strip()
    unknown = sorted(set(mapping) - ADDRESS_FIELDS.keys())
    if unknown:
        raise ImportFileError(
            f"Unknown field(s) in the column mapping: {', '.join(unknown)}. Fields are: {', '.join(ADDRESS_FIELDS)}."
        )
    return mapping


@dataclass(frozen=True)
class AddressColumns:
    """Where each field is in one file: its column index and its header as the file spells it."""

    index: dict[str, int]
    header: dict[str, str]
    coordinates: Coordinates
    from_lines: bool  # address lines (ADDRESS_LINE_1..3) rather than SAO/PAO fields

    def __contains__(self, name: str) -> bool:
        return name in self.index


def address_columns_resolve(
    header: Sequence[str], *, mapping: Mapping[str, str] | None = None, coordinates: Coordinates = Coordinates.AUTO
) -> AddressColumns:
    """Match a header row to our fields, by the mapping first and the usual names after.

    Raises ImportFileError naming what is missing, so a wrongly shaped extract fails at
    once rather than with one error per row.
    """
    cleaned = [name.strip().lstrip("\ufeff") for name in header]
    position = {name.casefold(): i for i, name in reversed(list(enumerate(cleaned)))}
    index: dict[str, int] = {}
    for name, aliases in ADDRESS_FIELDS.items():
        wanted = (mapping or {}).get(name)
        if wanted is not None:
            if wanted.casefold() not in position:
                raise ImportFileError(
                    f"The mapping puts {name} in column {wanted!r}, which the file does not have. "
                    f"Its columns are: {', '.join(cleaned)}."
                )
            index[name] = position[wanted.casefold()]
            continue
        for alias in aliases:
            if alias.casefold() in position:
                index[name] = position[alias.casefold()]
                break
    from_lines = not any(name in index for name in _STRUCTURED_FIELDS) and any(name in index for name in _LINE_FIELDS)
    required = ["uprn", "usrn", "postcode", "town"] + ([] if from_lines else ["street"])
    has_bng = "easting" in index and "northing" in index
    has_wgs84 = "latitude" in index and "longitude" in index
    if coordinates == Coordinates.AUTO:
        coordinates = Coordinates.BNG if has_bng else Coordinates.WGS84 if has_wgs84 else Coordinates.AUTO
    if coordinates == Coordinates.BNG:
        required += ["easting", "northing"]
    elif coordinates == Coordinates.WGS84:
        required += ["latitude", "longitude"]
    missing = [name for name in required if name not in index]
    if coordinates == Coordinates.AUTO:
        missing.append("easting/northing or latitude/longitude")
    if missing:
        raise ImportFileError(
            f"No column found for: {', '.join(missing)}. The file's columns are: {', '.join(cleaned)}. "
            "Map them with --column FIELD=HEADER or --columns JSON."
        )
    return AddressColumns(
        index=index,
        header={name: cleaned[i] for name, i in index.items()},
        coordinates=coordinates,
        from_lines=from_lines,
    )


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """One valid row of an address extract, with both forms of its location."""

    row: int
    uprn: int
    usrn: int
    street: str
    town: str
    postcode: str  # normalised
    lat: float
    lng: float
    easting: float
    northing: float
    locality: str = ""
    sao: str = ""
    pao_name: str = ""
    pao_number: int | None = None
    pao_suffix: str = ""


@dataclass
class AddressBatch:
    """Consecutive rows of an extract: the valid ones, and the problems of the rest."""

    rows: int
    records: list[AddressRecord]
    problems: list[ImportProblem]


@dataclass(slots=True)
class _Pending:
    """A row that passed the per-field checks, waiting for its batch's coordinate conversion."""

    row: int
    fields: dict[str, Any]
    x: float
    y: float


def _collapse(value: str) -> str:
    """Runs of whitespace as one space, none at the ends."""
    return " ".join(value.split())


class AddressCsv:
    """An address extract opened for reading in batches. Use as a context manager.

    `header_file` names a file whose first line is the header, for extracts supplied
    without one (as Ordnance Survey supplies AddressBase CSVs); rows are then numbered
    from 1.
    """

    def __init__(
        self,
        path: Path,
        *,
        mapping: Mapping[str, str] | None = None,
        coordinates: Coordinates = Coordinates.AUTO,
        encoding: str = "utf-8-sig",
        delimiter: str = ",",
        header_file: Path | None = None,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        try:
            self._stream: IO[str] = path.open(newline="", encoding=encoding)
        except OSError as error:
            raise ImportFileError(f"Cannot open {path}: {error.strerror}.") from None
        except LookupError:
            raise ImportFileError(f"{encoding!r} is not a text encoding Python knows.") from None
        self._reader = csv.reader(self._stream, delimiter=delimiter)
        try:
            if header_file is not None:
                with header_file.open(newline="", encoding=encoding) as header_stream:
                    header = next(csv.reader(header_stream, delimiter=delimiter), [])
                self._first_row = 1
            else:
                header = next(self._reader, [])
                self._first_row = 2
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            self._stream.close()
            raise ImportFileError(f"Cannot read the header of {path.name}: {error}") from None
        if not header:
            self._stream.close()
            raise ImportFileError(f"{(header_file or path).name} is empty: it needs a header row.")
        try:
            self.columns = address_columns_resolve(header, mapping=mapping, coordinates=coordinates)
        except ImportFileError:
            self._stream.close()
            raise
        self._width = len(header)
        self._seen_uprns: dict[int, int] = {}
        self._street_names: dict[int, tuple[str, int]] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stream.close()

    def estimated_rows(self) -> int:
        """Data rows counted as lines (a quoted line break counts twice): a progress bar's total."""
        return max(0, line_count(self.path) - (self._first_row - 1))

    def batches(self, size: int = DEFAULT_BATCH_SIZE) -> Iterator[AddressBatch]:
        """Read the rest of the file in batches of `size` rows, checking every row.

        Duplicate UPRNs and a USRN given two street names are found across the whole file,
        at the cost of one dictionary entry per row (about 150 bytes).
        """
        row_number = self._first_row - 1
        pending: list[_Pending] = []
        problems: list[ImportProblem] = []
        rows = 0
        while True:
            try:
                values = next(self._reader, None)
            except (UnicodeDecodeError, csv.Error) as error:
                raise ImportFileError(f"{self.path.name} cannot be read after row {row_number}: {error}") from None
            if values is None:
                break
            row_number += 1
            if not values:  # a blank line
                continue
            rows += 1
            item = self._row_parse(row_number, values, problems)
            if item is not None:
                pending.append(item)
            if rows >= size:
                yield self._batch_finish(rows, pending, problems)
                pending, problems, rows = [], [], 0
        if rows:
            yield self._batch_finish(rows, pending, problems)

    # Checks of one row: everything except where it is, which is done for a batch at once.

    def _row_parse(self, row: int, values: Sequence[str], problems: list[ImportProblem]) -> _Pending | None:
        columns = self.columns
        before = len(problems)

        def problem(name: str, value: str, message: str) -> None:
            problems.append(ImportProblem("row", row, columns.header.get(name, name), value, message))

        if len(values) != self._width:
            problem("", "", f"The row has {len(values)} fields but the header has {self._width}.")
            return None

        cleaned = {name: _collapse(values[position]) for name, position in columns.index.items()}

        def get(name: str) -> str:
            return cleaned.get(name, "")

        uprn = self._identifier(get("uprn"), "uprn", "UPRN", _MAX_UPRN_DIGITS, problem)
        usrn = self._identifier(get("usrn"), "usrn", "USRN", _MAX_USRN_DIGITS, problem)
        if uprn is not None:
            if uprn in self._seen_uprns:
                problem(
                    "uprn",
                    get("uprn"),
                    f"The same UPRN is on row {self._seen_uprns[uprn]}; each address must appear once.",
                )
            else:
                self._seen_uprns[uprn] = row
        raw_postcode = get("postcode")
        postcode = ""
        if not raw_postcode:
            problem("postcode", "", "The postcode is empty.")
        else:
            try:
                postcode = postcode_normalise(raw_postcode)
            except InvalidPostcodeError as error:
                problem("postcode", raw_postcode, str(error))
        fields: dict[str, Any] = {"town": get("town"), "locality": get("locality"), "postcode": postcode}
        if columns.from_lines:
            self._from_lines(fields, [get(name) for name in _LINE_FIELDS], get("street"), problem)
        else:
            self._structured(fields, get, problem)
        for name in ("street", "town"):
            if not fields.get(name) and not (name == "street" and columns.from_lines):
                problem(name, "", f"The {name} is empty.")
        for name, limit in _LENGTHS.items():
            key = "pao_name" if name == "pao" else name
            value = fields.get(key) or ""
            if limit is not None and len(value) > limit:
                problem(name if name in columns else "", value, f"This is longer than {limit} characters.")
        if usrn is not None and fields.get("street"):
            self._street_check(usrn, fields["street"], row, problem)
        x, y = self._coordinates(get, problem)
        if len(problems) > before or uprn is None or usrn is None or x is None or y is None:
            return None
        fields["uprn"] = uprn
        fields["usrn"] = usrn
        return _Pending(row=row, fields=fields, x=x, y=y)

    @staticmethod
    def _identifier(value: str, name: str, label: str, digits: int, problem: _Report) -> int | None:
        if not value:
            problem(name, "", f"The {label} is empty.")
            return None
        if not value.isascii() or not value.isdigit() or len(value) > digits or int(value) == 0:
            problem(name, value, f"A {label} is a whole number of 1 to {digits} digits.")
            return None
        return int(value)

    def _street_check(self, usrn: int, street: str, row: int, problem: _Report) -> None:
        known = self._street_names.get(usrn)
        if known is None:
            self._street_names[usrn] = (street, row)
        elif known[0].casefold() != street.casefold():
            problem("street", street, f"USRN {usrn} is called {known[0]!r} on row {known[1]}; a street has one name.")

    def _structured(self, fields: dict[str, Any], get: _Get, problem: _Report) -> None:
        """SAO/PAO fields as in AddressBase LPI or an LLPG: "Flat 2" / "14A" or "Rose Cottage"."""
        fields["street"] = get("street")
        fields["sao"] = " ".join(part for part in (get("sao"), f"{get('sao_number')}{get('sao_suffix')}") if part)
        pao = get("pao")
        number_text = get("pao_number")
        suffix = get("pao_suffix").upper()
        if not number_text and (match := _NUMBER.fullmatch(pao)):
            # A PAO that is only a number ("14", "14A") is a building number, not a name.
            number_text, suffix, pao = match[1], match[2].upper(), ""
        fields["pao_name"] = pao
        fields["pao_suffix"] = suffix
        fields["pao_number"] = None
        if number_text:
            if not number_text.isdigit() or int(number_text) > _PAO_NUMBER_MAX:
                problem("pao_number", number_text, "A building number is a whole number.")
            else:
                fields["pao_number"] = int(number_text)
        if suffix and not suffix.isalpha():
            problem("pao_suffix", suffix, "A building number suffix is one or two letters.")

    def _from_lines(self, fields: dict[str, Any], lines: list[str], street: str, problem: _Report) -> None:
        """Split free address lines ("Flat 2", "14 High Street") into SAO, PAO and street."""
        skip = {fields["town"].casefold(), fields["locality"].casefold(), fields["postcode"].casefold(), ""}
        lines = [line for line in lines if line.casefold() not in skip]
        found: tuple[int, str, str] | None = None  # (line index, text before the street, street name)
        if street:
            found = next(
                (
                    (i, line[: len(line) - len(street)].strip(" ,"), street)
                    for i, line in enumerate(lines)
                    if line.casefold().endswith(street.casefold())
                ),
                None,
            )
        else:
            # The first numbered line ("14A High Street"), else the first that ends like a street.
            numbered = ((i, _NUMBERED_STREET.fullmatch(line)) for i, line in enumerate(lines))
            found = next(((i, f"{m[1]}{m[2]}", m[3]) for i, m in numbered if m), None) or next(
                ((i, "", line) for i, line in enumerate(lines) if _STREET_WORDS.fullmatch(line)), None
            )
        if found is None:
            problem(
                "address_line_1",
                " | ".join(lines),
                "Cannot tell which address line is the street; map a street column.",
            )
            return
        i, before_street, fields["street"] = found
        number = _NUMBER.fullmatch(before_street)
        fields["pao_number"] = int(number[1]) if number else None
        fields["pao_suffix"] = number[2].upper() if number else ""
        fields["pao_name"] = "" if number else before_street
        earlier = lines[:i]
        if earlier and not fields["pao_name"] and not _SAO_WORDS.match(earlier[-1]):
            fields["pao_name"] = earlier.pop()
        fields["sao"] = ", ".join(earlier)
        later = lines[i + 1 :]
        if later and not fields["locality"]:
            fields["locality"] = later[0]

    def _coordinates(self, get: _Get, problem: _Report) -> tuple[float | None, float | None]:
        names = ("easting", "northing") if self.columns.coordinates == Coordinates.BNG else ("longitude", "latitude")
        result: list[float | None] = []
        for name in names:
            text = get(name)
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                problem(name, text, f"The {name} is {'empty' if not text else 'not a number'}.")
                result.append(None)
            else:
                result.append(value)
        return result[0], result[1]

    def _batch_finish(self, rows: int, pending: list[_Pending], problems: list[ImportProblem]) -> AddressBatch:
        """Convert a batch's coordinates in one PROJ call and keep the rows inside Great Britain."""
        xs = np.array([item.x for item in pending], dtype=float)
        ys = np.array([item.y for item in pending], dtype=float)
        if self.columns.coordinates == Coordinates.BNG:
            eastings, northings = xs, ys
            lngs, lats = bng_to_wgs84_many(xs, ys)
        else:
            lngs, lats = xs, ys
            eastings, northings = wgs84_to_bng_many(xs, ys)
        inside = in_great_britain_many(eastings=eastings, northings=northings, lngs=lngs, lats=lats)
        records = []
        first, second = (
            ("easting", "northing") if self.columns.coordinates == Coordinates.BNG else ("latitude", "longitude")
        )
        for i, item in enumerate(pending):
            if not inside[i]:
                shown = f"{item.x:g}, {item.y:g}" if first == "easting" else f"{item.y:g}, {item.x:g}"
                problems.append(
                    ImportProblem(
                        "row",
                        item.row,
                        f"{self.columns.header[first]}/{self.columns.header[second]}",
                        shown,
                        "This location is not in Great Britain"
                        + (" (0 means no location was recorded)." if 0 in (item.x, item.y) else "."),
                    )
                )
                continue
            records.append(
                AddressRecord(
                    row=item.row,
                    lat=float(lats[i]),
                    lng=float(lngs[i]),
                    easting=round(float(eastings[i]), 2),
                    northing=round(float(northings[i]), 2),
                    **item.fields,
                )
            )
        problems.sort(key=lambda problem: problem.number)
        return AddressBatch(rows=rows, records=records, problems=problems)


def line_count(path: Path) -> int:
    """Lines in a file, counted in binary chunks: a cheap total for a progress bar."""
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines
