"""The gazetteer: wards (and later other areas), streets (USRN) and addresses (UPRN).

No GeoDjango (ADR 0008): shapes are GeoJSON text in WGS84 with indexed bounding-box
columns, so selectors prefilter in plain SQL on SQLite and stock PostgreSQL alike and
then test exactly with shapely. Rows are written through townhall.places.services,
which keeps the bounding boxes, areas and grid references in step with the shapes.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class BoundingBoxFields(models.Model):
    """WGS84 bounding box of a stored shape, for SQL prefilters."""

    min_lng = models.FloatField()
    min_lat = models.FloatField()
    max_lng = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        abstract = True


class Area(BoundingBoxFields):
    """A named polygon (ward now; parishes, polling districts and the like later)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    code = models.CharField(
        max_length=9, unique=True, help_text="GSS code, e.g. E05099001 (or a local code for areas without one)."
    )
    boundary_geojson = models.TextField(help_text="GeoJSON Polygon or MultiPolygon in WGS84 (lng, lat).")
    area_sq_m = models.FloatField(help_text="Area measured on the British National Grid.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Ward(Area):
    class Meta:
        ordering: ClassVar = ["name"]
        indexes: ClassVar = [
            models.Index(fields=["min_lat", "max_lat"], name="places_ward_bbox_lat"),
            models.Index(fields=["min_lng", "max_lng"], name="places_ward_bbox_lng"),
        ]


class Street(BoundingBoxFields):
    """A street in the BS 7666 sense, identified by its Unique Street Reference Number."""

    usrn = models.PositiveBigIntegerField("USRN", unique=True)
    name = models.CharField(max_length=200)
    locality = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=100)
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True, related_name="streets")
    geometry_geojson = models.TextField(
        blank=True, help_text="GeoJSON LineString or MultiLineString in WGS84; blank when only a point is known."
    )
    lat = models.FloatField(help_text="A representative point on the street.")
    lng = models.FloatField()

    class Meta:
        ordering: ClassVar = ["name", "town", "usrn"]
        indexes: ClassVar = [
            models.Index(fields=["min_lat", "max_lat"], name="places_street_bbox_lat"),
            models.Index(fields=["min_lng", "max_lng"], name="places_street_bbox_lng"),
            models.Index(fields=["name"], name="places_street_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"


class Address(models.Model):
    """An addressable location identified by its Unique Property Reference Number.

    BS 7666 style: a secondary addressable object (SAO, e.g. "Flat 2") inside a primary
    one (PAO: a building number and/or name) on a street.
    """

    uprn = models.PositiveBigIntegerField("UPRN", unique=True)
    sao = models.CharField("secondary addressable object", max_length=100, blank=True)
    pao_name = models.CharField("building name", max_length=100, blank=True)
    pao_number = models.PositiveIntegerField("building number", null=True, blank=True)
    pao_suffix = models.CharField("building number suffix", max_length=2, blank=True)
    street = models.ForeignKey(
        Street, to_field="usrn", db_column="usrn", on_delete=models.PROTECT, related_name="addresses"
    )
    locality = models.CharField(max_length=100, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8, db_index=True, help_text='Normalised, e.g. "TS1 2AB".')
    lat = models.FloatField()
    lng = models.FloatField()
    easting = models.FloatField()
    northing = models.FloatField()
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True, related_name="addresses")
    search_text = models.CharField(
        max_length=400, editable=False, help_text="Lower-case address words and compact postcode for free-text search."
    )

    class Meta:
        verbose_name_plural = "addresses"
        ordering: ClassVar = ["postcode", "pao_number", "pao_suffix", "pao_name", "sao", "uprn"]
        indexes: ClassVar = [
            models.Index(fields=["lat", "lng"], name="places_address_lat_lng"),
        ]

    def __str__(self) -> str:
        return self.single_line

    @property
    def lines(self) -> list[str]:
        """Address lines as a letter would show them (without the postcode)."""
        first = ", ".join(part for part in (self.sao, self.pao_name) if part)
        number = f"{self.pao_number}{self.pao_suffix}" if self.pao_number is not None else ""
        street_line = f"{number} {self.street.name}".strip()
        return [line for line in (first, street_line, self.locality, self.town) if line]

    @property
    def single_line(self) -> str:
        return ", ".join([*self.lines, self.postcode])
