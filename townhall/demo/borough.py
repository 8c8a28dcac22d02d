"""The demo borough's geography, planned from a seed: outline, wards, streets, addresses.

Shapes are drawn in a flat local plane in metres centred on the borough and turned into
WGS84 degrees by one affine transform. The data is synthetic, so the plane only has to
be consistent: an affine map keeps every point on the same side of every boundary, so
an address drawn inside its ward stays inside it. Nothing here touches the database;
townhall.demo.services writes the plan through townhall.places.services.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from townhall.demo import names
from townhall.demo.constants import WARD_COUNT
from townhall.places.services import AddressSpec, StreetSpec, WardSpec

# Somewhere plausible on Teesside; all place names are invented.
CENTRE_LAT = 54.555
CENTRE_LNG = -1.245
_METRES_PER_DEGREE_LAT = 111_250.0
_METRES_PER_DEGREE_LNG = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
_OUTLINE_RADIUS_M = 7_000.0
_OUTLINE_VERTICES = 96
_TOWN_COUNT = 3
_LLOYD_ITERATIONS = 3
_STREET_INSET_M = 30.0
_HOUSE_OFFSET_M = 10.0
_HOUSE_SPACING_M = 9.0
_WARD_CODE_PREFIX = "E05099"
_POSTCODE_AREA = "TS"
_FIRST_POSTCODE_DISTRICT = 40
_UNITS_PER_SECTOR = 250
# Unit letters never use C, I, K, M, O or V (Royal Mail rules).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_FIRST_USRN = 44_500_000
_FIRST_UPRN = 100_110_000_000


def to_degrees(geometry: BaseGeometry) -> BaseGeometry:
    """Local metres -> WGS84 (lng, lat)."""
    return affinity.affine_transform(
        geometry,
        [1 / _METRES_PER_DEGREE_LNG, 0, 0, 1 / _METRES_PER_DEGREE_LAT, CENTRE_LNG, CENTRE_LAT],
    )


def _point_degrees(x: float, y: float) -> tuple[float, float]:
    """Local metres -> (lat, lng), rounded to 7 decimal places (about a centimetre)."""
    return round(CENTRE_LAT + y / _METRES_PER_DEGREE_LAT, 7), round(CENTRE_LNG + x / _METRES_PER_DEGREE_LNG, 7)


@dataclass
class WardPlan:
    name: str
    locality: str
    town: str
    polygon: BaseGeometry  # local metres
    code: str = ""
    district: str = ""
    weight: float = 1.0


@dataclass
class BoroughPlan:
    outline: Polygon  # local metres
    towns: list[str]
    wards: list[WardPlan]
    streets: list[StreetSpec] = field(default_factory=list)
    addresses: list[AddressSpec] = field(default_factory=list)

    def ward_specs(self) -> list[WardSpec]:
        return [WardSpec(name=ward.name, code=ward.code, boundary=to_degrees(ward.polygon)) for ward in self.wards]


def _outline(rng: random.Random) -> Polygon:
    """A smooth, irregular, star-shaped outline about 14 km across."""
    harmonics = [(k, rng.uniform(0.03, 0.12) / k**0.5, rng.uniform(0, 2 * math.pi)) for k in range(2, 7)]
    stretch = rng.uniform(1.1, 1.4)
    points = []
    for i in range(_OUTLINE_VERTICES):
        theta = 2 * math.pi * i / _OUTLINE_VERTICES
        radius = _OUTLINE_RADIUS_M * (1 + sum(a * math.sin(k * theta + phase) for k, a, phase in harmonics))
        points.append((radius * math.cos(theta) * stretch, radius * math.sin(theta) / stretch))
    return Polygon(points)


def _random_point_in(rng: random.Random, area: BaseGeometry) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = area.bounds
    while True:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(area, x, y):
            return x, y


def _ward_cells(rng: random.Random, outline: Polygon) -> list[BaseGeometry]:
    """Voronoi cells of seeded points, relaxed towards even sizes and clipped to the outline.

    Voronoi cells never overlap and together cover the plane, so once clipped they tile the borough.
    """
    shapely.prepare(outline)
    seeds = [_random_point_in(rng, outline) for _ in range(WARD_COUNT)]
    extent = outline.envelope.buffer(_OUTLINE_RADIUS_M)
    cells: list[BaseGeometry] = []
    for _ in range(_LLOYD_ITERATIONS + 1):
        diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=extent)
        by_seed = {}
        for cell in diagram.geoms:
            seed = next(s for s in seeds if cell.covers(Point(s)))
            by_seed[seed] = cell.intersection(outline)
        cells = [by_seed[seed] for seed in seeds]
        seeds = [(cell.centroid.x, cell.centroid.y) for cell in cells]
    return cells


def _unique_place_names(rng: random.Random, count: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        name = rng.choice(names.PLACE_STARTS) + rng.choice(names.PLACE_ENDS)
        if name not in chosen:
            chosen.append(name)
    return chosen


def _compass(x: float, y: float) -> str:
    if math.hypot(x, y) < 1_500:
        return "Central"
    angle = math.degrees(math.atan2(y, x)) % 360
    return ("East", "North", "West", "South")[int(((angle + 45) % 360) // 90)]


def _wards(rng: random.Random, outline: Polygon) -> tuple[list[str], list[WardPlan]]:
    cells = _ward_cells(rng, outline)
    place_names = _unique_place_names(rng, _TOWN_COUNT + 2 * len(cells))
    towns, bases = place_names[:_TOWN_COUNT], place_names[_TOWN_COUNT:]
    # Town centres: the most central cell, then repeatedly the cell farthest from the centres so far.
    centroids = [(cell.centroid.x, cell.centroid.y) for cell in cells]
    centre_cells = [min(range(len(cells)), key=lambda i: math.hypot(*centroids[i]))]
    while len(centre_cells) < _TOWN_COUNT:
        centre_cells.append(
            max(
                range(len(cells)),
                key=lambda i: min(math.dist(centroids[i], centroids[c]) for c in centre_cells),
            )
        )
    wards = []
    for index, cell in enumerate(cells):
        nearest_town = min(range(_TOWN_COUNT), key=lambda t: math.dist(centroids[index], centroids[centre_cells[t]]))
        town = towns[nearest_town]
        base = bases[index]
        if index in centre_cells:
            name, locality = f"{town} Central", ""
        else:
            roll = rng.random()
            locality = base
            if roll < 0.7:
                name = base
            elif roll < 0.9:
                name = f"{base} {_compass(*centroids[index])}"
            else:
                name = f"{base} and {bases[len(cells) + index]}"
        town_distance = math.dist(centroids[index], centroids[centre_cells[nearest_town]])
        # Denser near a town centre, as real boroughs are.
        weight = cell.area * rng.uniform(0.7, 1.3) * (2.5 if town_distance < 3_000 else 1.0)
        wards.append(WardPlan(name=name, locality=locality, town=town, polygon=cell, weight=weight))
    wards.sort(key=lambda ward: ward.name)
    for number, ward in enumerate(wards, start=1):
        ward.code = f"{_WARD_CODE_PREFIX}{number:03d}"
        ward.district = f"{_POSTCODE_AREA}{_FIRST_POSTCODE_DISTRICT + number - 1}"
    return towns, wards


def _street_line(rng: random.Random, inset: BaseGeometry, length: float, grid_angle: float) -> LineString | None:
    """A street of 1-3 straight runs lying wholly inside `inset`, or None if none fits."""
    for attempt in range(80):
        if attempt and attempt % 20 == 0:
            length *= 0.7
        x, y = _random_point_in(rng, inset)
        heading = grid_angle + rng.choice((0, 90, 180, 270)) + rng.uniform(-12, 12)
        runs = rng.choice((1, 1, 2, 2, 3))
        points = [(x, y)]
        for _ in range(runs):
            x += length / runs * math.cos(math.radians(heading))
            y += length / runs * math.sin(math.radians(heading))
            points.append((x, y))
            heading += rng.uniform(-35, 35)
        line = LineString(points)
        if shapely.contains(inset, line):
            return line
    return None


def _building_sizes(rng: random.Random, addresses: int) -> list[int]:
    """Addresses per building along a street: mostly houses, some converted into flats."""
    sizes: list[int] = []
    while sum(sizes) < addresses:
        size = rng.randint(2, 6) if rng.random() < 0.06 else 1
        sizes.append(min(size, addresses - sum(sizes)))
    return sizes


class _PostcodeAllocator:
    """Hands out postcode units for one ward: district fixed, sector digit, then two unit letters."""

    def __init__(self, rng: random.Random, district: str) -> None:
        self.rng = rng
        self.district = district
        self.sector = 0
        self.units: list[str] = []

    def next_unit(self) -> str:
        if not self.units:
            self.sector += 1
            if self.sector > 9:
                raise ValueError(f"Postcode district {self.district} has run out of sectors.")
            letters = [a + b for a in _UNIT_LETTERS for b in _UNIT_LETTERS]
            self.rng.shuffle(letters)
            self.units = letters[:_UNITS_PER_SECTOR]
        return f"{self.district} {self.sector}{self.units.pop()}"


def _street_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(names.STREET_WORDS)} {rng.choice(names.STREET_TYPES)}"
        if name not in used:
            used.add(name)
            return name


def _ward_quotas(wards: Sequence[WardPlan], target: int) -> list[int]:
    total_weight = sum(ward.weight for ward in wards)
    return [max(1, round(target * ward.weight / total_weight)) for ward in wards]


def plan_borough(*, seed: int, addresses: int) -> BoroughPlan:
    """The whole borough for a seed, with about `addresses` addresses.

    Separate random streams for the map and for streets keep the ward map identical at
    every scale for a given seed.
    """
    map_rng = random.Random(f"townhall-demo:{seed}:map")  # noqa: S311 (seeded on purpose: determinism)
    street_rng = random.Random(f"townhall-demo:{seed}:streets")  # noqa: S311 (seeded on purpose: determinism)
    outline = _outline(map_rng)
    towns, wards = _wards(map_rng, outline)
    plan = BoroughPlan(outline=outline, towns=towns, wards=wards)
    usrn, uprn = _FIRST_USRN, _FIRST_UPRN
    for ward, quota in zip(wards, _ward_quotas(wards, addresses), strict=True):
        inset = ward.polygon.buffer(-_STREET_INSET_M)
        if inset.is_empty:
            inset = ward.polygon.buffer(-_HOUSE_OFFSET_M * 1.5)
        shapely.prepare(inset)
        grid_angle = street_rng.uniform(0, 90)
        used_names: set[str] = set()
        postcodes = _PostcodeAllocator(street_rng, ward.district)
        placed = 0
        while placed < quota:
            wanted = min(street_rng.randint(6, 60), quota - placed)
            sizes = _building_sizes(street_rng, wanted)
            per_side = math.ceil(len(sizes) / 2)
            line = _street_line(street_rng, inset, max(60.0, (per_side + 1) * _HOUSE_SPACING_M), grid_angle)
            if line is None:
                continue
            usrn += street_rng.randint(1, 25)
            street_name = _street_name(street_rng, used_names)
            mid_lat, mid_lng = _point_degrees(*line.interpolate(0.5, normalized=True).coords[0])
            plan.streets.append(
                StreetSpec(
                    usrn=usrn,
                    name=street_name,
                    town=ward.town,
                    locality=ward.locality,
                    ward_code=ward.code,
                    geometry=to_degrees(line),
                    lat=mid_lat,
                    lng=mid_lng,
                )
            )
            spacing = line.length / (per_side + 1)
            unit_left = 0
            postcode = ""
            for index, size in enumerate(sizes):
                number = index + 1
                along = spacing * (index // 2 + 1)
                before, after = line.interpolate(along - 1), line.interpolate(along + 1)
                dx, dy = after.x - before.x, after.y - before.y
                norm = math.hypot(dx, dy) or 1.0
                side = _HOUSE_OFFSET_M if number % 2 else -_HOUSE_OFFSET_M
                centre = line.interpolate(along)
                lat, lng = _point_degrees(centre.x - dy / norm * side, centre.y + dx / norm * side)
                house_name = ""
                house_number: int | None = number
                if size == 1 and street_rng.random() < 0.01:
                    house_name, house_number = street_rng.choice(names.HOUSE_NAMES), None
                for flat in range(1, size + 1):
                    if unit_left == 0:
                        postcode, unit_left = postcodes.next_unit(), street_rng.randint(10, 25)
                    unit_left -= 1
                    uprn += street_rng.randint(1, 40)
                    plan.addresses.append(
                        AddressSpec(
                            uprn=uprn,
                            usrn=usrn,
                            postcode=postcode,
                            town=ward.town,
                            locality=ward.locality,
                            sao=f"Flat {flat}" if size > 1 else "",
                            pao_name=house_name,
                            pao_number=house_number,
                            ward_code=ward.code,
                            lat=lat,
                            lng=lng,
                        )
                    )
            placed += wanted
    return plan
