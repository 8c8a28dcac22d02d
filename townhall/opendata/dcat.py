"""Catalogue rows as DCAT-AP 3.0.1 RDF graphs (rdflib): the catalogue, its datasets, their distributions.

The shapes (DCAT-AP 3.0.1 SHACL, vendor/dcat-ap/) check class membership for many ranges
(`sh:class`) without inference, so every node we point at says what it is: licences are
dct:LicenseDocument, landing pages foaf:Document, formats dct:MediaTypeOrExtent, media
types dct:MediaType, frequencies dct:Frequency, publisher types and themes skos:Concept
with a label, as the EU vocabularies themselves would. Formats and media types are IRIs
from the EU file-type authority table and IANA's register; sizes are xsd:nonNegativeInteger;
checksums are spdx:Checksum (SHA-256, lower-case hex). 3.0.1 also checks node kinds: names, titles,
descriptions, dates, identifiers, keywords and sizes are literals; everything else an IRI
(stored URLs made safe by `_iri`) or a blank node.

Which datasets: the caller passes them (selectors decide; drafts and private datasets never
reach here). The rows must come with their relations loaded (selectors.datasets_for_shapes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from townhall.opendata.ckan_shapes import resource_url
from townhall.opendata.models import Dataset, DatasetState, Licence, Publisher, Resource, Theme

ADMS = Namespace("http://www.w3.org/ns/adms#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
LANGUAGE_ENGLISH = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
DATASET_STATUS_WITHDRAWN = URIRef("http://publications.europa.eu/resource/authority/dataset-status/WITHDRAWN")

# Serialisation: URL suffix → (rdflib format, Content-Type).
FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
PREFIXES: dict[str, Namespace] = {
    "adms": ADMS,
    "dcat": Namespace(str(DCAT)),
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "geo": GEO,
    "hydra": HYDRA,
    "locn": LOCN,
    "skos": Namespace(str(SKOS)),
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}

# CKAN format (upper-cased) → (EU file-type code, IANA media type).
FILE_TYPES: dict[str, tuple[str, str]] = {
    "CSV": ("CSV", "text/csv"),
    "TSV": ("TSV", "text/tab-separated-values"),
    "JSON": ("JSON", "application/json"),
    "GEOJSON": ("GEOJSON", "application/geo+json"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "PDF": ("PDF", "application/pdf"),
    "XML": ("XML", "application/xml"),
    "ZIP": ("ZIP", "application/zip"),
    "KML": ("KML", "application/vnd.google-earth.kml+xml"),
    "TXT": ("TXT", "text/plain"),
    "HTML": ("HTML", "text/html"),
    "PARQUET": ("PARQUET", "application/vnd.apache.parquet"),
    "RDF": ("RDF_XML", "application/rdf+xml"),
    "TTL": ("RDF_TURTLE", "text/turtle"),
    "JSON-LD": ("JSON_LD", "application/ld+json"),
}
_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
# Characters RFC 3987 keeps out of IRIs; Django's URL and e-mail validators let them through.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")


@dataclass(frozen=True)
class Page:
    """One page of the catalogue: which page, how many per page, how many datasets in all."""

    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def _iri(text: str) -> URIRef:
    """A stored URL or mailto: as an IRI, percent-encoding what IRIs may not hold (as browsers do).

    Without this one link such as `https://example.org/a{1}` would make rdflib refuse to
    write Turtle at all, and the whole catalogue page would fail.
    """
    return URIRef(_NOT_IN_IRI.sub(lambda found: "".join(f"%{byte:02X}" for byte in found.group().encode()), text))


def _when(value: dt.datetime) -> Literal:
    return Literal(value.astimezone(dt.UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _concept(graph: Graph, iri: URIRef, label: str) -> URIRef:
    """A controlled-vocabulary term as the vocabulary defines it: a skos:Concept with its label."""
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.prefLabel, Literal(label, lang="en")))
    return iri


def _document(graph: Graph, url: str) -> URIRef:
    page = _iri(url)
    graph.add((page, RDF.type, FOAF.Document))
    return page


def dataset_iri(dataset: Dataset, *, site_url: str) -> URIRef:
    """Stable across renames: the id, at CKAN's address for a package."""
    return URIRef(f"{site_url}/dataset/{dataset.id}")


def dataset_page(dataset: Dataset, *, site_url: str) -> str:
    return f"{site_url}/data/dataset/{dataset.name}/"


def _publisher(graph: Graph, publisher: Publisher, *, site_url: str) -> URIRef:
    agent = URIRef(f"{site_url}/data/?publisher={quote(publisher.name)}")
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(publisher.title, lang="en")))
    kind = _concept(graph, URIRef(PUBLISHER_TYPE + publisher.publisher_type), publisher.get_publisher_type_display())
    graph.add((agent, DCTERMS.type, kind))
    if publisher.homepage:
        graph.add((agent, FOAF.homepage, _document(graph, publisher.homepage)))
    if publisher.email:
        graph.add((agent, FOAF.mbox, _iri(f"mailto:{publisher.email}")))
    return agent


def _council(graph: Graph, *, name: str, website: str, email: str, site_url: str) -> URIRef:
    """The catalogue's own publisher: the council, named by its website, else by a node of its own.

    Never the catalogue's own IRI: that would make the catalogue an agent publishing itself.
    """
    agent = _iri(website) if website else URIRef(f"{site_url}/#council")
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(name, lang="en")))
    kind = _concept(graph, URIRef(PUBLISHER_TYPE + "LocalAuthority"), "Local authority")
    graph.add((agent, DCTERMS.type, kind))
    if email:
        graph.add((agent, FOAF.mbox, _iri(f"mailto:{email}")))
    return agent


def _theme(graph: Graph, theme: Theme, *, site_url: str) -> URIRef:
    return _concept(graph, _iri(theme.iri or f"{site_url}/data/?theme={quote(theme.name)}"), theme.title)


def _licence(graph: Graph, licence: Licence) -> URIRef:
    document = _iri(licence.url)
    graph.add((document, RDF.type, DCTERMS.LicenseDocument))
    graph.add((document, DCTERMS.title, Literal(licence.title, lang="en")))
    graph.add((document, DCTERMS.identifier, Literal(licence.key)))
    return document


def _format(graph: Graph, distribution: URIRef, resource: Resource) -> None:
    known = FILE_TYPES.get(resource.format.strip().upper())
    file_type: URIRef | BNode
    if known is not None:
        file_type = URIRef(FILE_TYPE + known[0])
        graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    elif resource.format.strip():
        file_type = BNode()
        graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((file_type, RDFS.label, Literal(resource.format.strip())))
    else:
        return
    graph.add((distribution, DCTERMS["format"], file_type))
    media_type = (resource.mimetype or (known[1] if known else "")).strip().lower()
    if _MEDIA_TYPE.match(media_type):
        iana = _iri(IANA_MEDIA_TYPE + media_type)  # RFC 6838 allows "^" in names; IRIs do not
        graph.add((iana, RDF.type, DCTERMS.MediaType))
        graph.add((distribution, DCAT.mediaType, iana))


def _distribution(graph: Graph, resource: Resource, licence: URIRef, *, site_url: str) -> URIRef:
    distribution = URIRef(f"{site_url}/dataset/{resource.dataset_id}/resource/{resource.id}")
    graph.add((distribution, RDF.type, DCAT.Distribution))
    if resource.name:
        graph.add((distribution, DCTERMS.title, Literal(resource.name, lang="en")))
    if resource.description:
        graph.add((distribution, DCTERMS.description, Literal(resource.description, lang="en")))
    url = resource_url(resource, site_url=site_url)
    if url:
        graph.add((distribution, DCAT.accessURL, _iri(url)))
        if resource.upload:
            graph.add((distribution, DCAT.downloadURL, _iri(url)))
    graph.add((distribution, DCTERMS.license, licence))
    _format(graph, distribution, resource)
    if resource.size is not None:
        graph.add((distribution, DCAT.byteSize, Literal(str(resource.size), datatype=XSD.nonNegativeInteger)))
    digest = _SHA256.match(resource.hash.strip())
    if digest:
        checksum = BNode()
        algorithm = SPDX.checksumAlgorithm_sha256
        graph.add((algorithm, RDF.type, SPDX.ChecksumAlgorithm))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, algorithm))
        graph.add((checksum, SPDX.checksumValue, Literal(digest.group(1).lower(), datatype=XSD.hexBinary)))
        graph.add((distribution, SPDX.checksum, checksum))
    graph.add((distribution, DCTERMS.issued, _when(resource.created)))
    graph.add((distribution, DCTERMS.modified, _when(resource.metadata_modified)))
    return distribution


def _period(graph: Graph, dataset: Dataset) -> BNode:
    period = BNode()
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    if dataset.temporal_start:
        graph.add((period, DCAT.startDate, Literal(dataset.temporal_start.isoformat(), datatype=XSD.date)))
    if dataset.temporal_end:
        graph.add((period, DCAT.endDate, Literal(dataset.temporal_end.isoformat(), datatype=XSD.date)))
    return period


def _place(graph: Graph, dataset: Dataset) -> BNode:
    """dct:spatial as a dct:Location: its name, and its GeoJSON geometry as a locn:Geometry (GeoSPARQL literal)."""
    place = BNode()
    graph.add((place, RDF.type, DCTERMS.Location))
    if dataset.spatial_label:
        graph.add((place, SKOS.prefLabel, Literal(dataset.spatial_label, lang="en")))
    if dataset.spatial_geojson:
        geometry = BNode()
        graph.add((geometry, RDF.type, LOCN.Geometry))
        text = json.dumps(dataset.spatial_geojson, separators=(",", ":"), sort_keys=True)
        graph.add((geometry, GEO.asGeoJSON, Literal(text, datatype=GEO.geoJSONLiteral)))
        graph.add((place, LOCN.geometry, geometry))
    return place


def _contact(graph: Graph, dataset: Dataset) -> BNode:
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.publisher.title, lang="en")))
    if dataset.contact_email:
        graph.add((contact, VCARD.hasEmail, _iri(f"mailto:{dataset.contact_email}")))
    return contact


def add_dataset(graph: Graph, dataset: Dataset, *, site_url: str) -> URIRef:
    """Add one dataset, its publisher, themes and distributions to `graph`; returns its IRI."""
    node = dataset_iri(dataset, site_url=site_url)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.id))))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="en")))
    graph.add((node, DCTERMS.description, Literal(dataset.notes or dataset.title, lang="en")))
    graph.add((node, DCTERMS.publisher, _publisher(graph, dataset.publisher, site_url=site_url)))
    graph.add(
        (node, DCAT.landingPage, _document(graph, dataset.landing_page or dataset_page(dataset, site_url=site_url)))
    )
    if dataset.published_at:
        graph.add((node, DCTERMS.issued, _when(dataset.published_at)))
    graph.add((node, DCTERMS.modified, _when(dataset.metadata_modified)))
    for tag in dataset.tags.all():
        graph.add((node, DCAT.keyword, Literal(tag.name, lang="en")))
    for theme in dataset.themes.all():
        graph.add((node, DCAT.theme, _theme(graph, theme, site_url=site_url)))
    if dataset.temporal_start or dataset.temporal_end:
        graph.add((node, DCTERMS.temporal, _period(graph, dataset)))
    if dataset.spatial_label or dataset.spatial_geojson:
        graph.add((node, DCTERMS.spatial, _place(graph, dataset)))
    if dataset.frequency:
        frequency = URIRef(dataset.frequency)
        graph.add((frequency, RDF.type, DCTERMS.Frequency))
        graph.add((node, DCTERMS.accrualPeriodicity, frequency))
    if dataset.contact_name or dataset.contact_email:
        graph.add((node, DCAT.contactPoint, _contact(graph, dataset)))
    if dataset.version:
        graph.add((node, DCAT.version, Literal(dataset.version)))
    if dataset.state == DatasetState.WITHDRAWN:
        graph.add((node, ADMS.status, _concept(graph, DATASET_STATUS_WITHDRAWN, "Withdrawn")))
        graph.add((node, RDFS.comment, Literal(f"Withdrawn: {dataset.withdrawn_reason}", lang="en")))
    licence = _licence(graph, dataset.licence)
    for resource in sorted(dataset.resources.all(), key=lambda r: (r.position, r.created)):
        graph.add((node, DCAT.distribution, _distribution(graph, resource, licence, site_url=site_url)))
    return node


def dataset_graph(dataset: Dataset, *, site_url: str) -> Graph:
    graph = _graph()
    add_dataset(graph, dataset, site_url=site_url)
    return graph


@dataclass(frozen=True)
class CatalogueDescription:
    """What the catalogue says about itself (from the council's branding)."""

    council_name: str
    website_url: str
    contact_email: str
    modified: dt.datetime | None


def _page_url(base: str, number: int) -> URIRef:
    return URIRef(f"{base}?page={number}")


def catalogue_graph(
    datasets: list[Dataset], *, about: CatalogueDescription, page: Page, page_base: str, site_url: str
) -> Graph:
    """One page of the catalogue, with Hydra paging (as ckanext-dcat pages /catalog.*)."""
    graph = _graph()
    catalogue = URIRef(f"{site_url}/")
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal(f"{about.council_name} open data", lang="en")))
    graph.add(
        (
            catalogue,
            DCTERMS.description,
            Literal(f"Datasets published by {about.council_name}, free to reuse.", lang="en"),
        )
    )
    council = _council(
        graph, name=about.council_name, website=about.website_url, email=about.contact_email, site_url=site_url
    )
    graph.add((catalogue, DCTERMS.publisher, council))
    graph.add((catalogue, FOAF.homepage, _document(graph, f"{site_url}/data/")))
    graph.add((LANGUAGE_ENGLISH, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((catalogue, DCTERMS.language, LANGUAGE_ENGLISH))
    if about.modified:
        graph.add((catalogue, DCTERMS.modified, _when(about.modified)))
    for dataset in datasets:
        graph.add((catalogue, DCAT.dataset, add_dataset(graph, dataset, site_url=site_url)))

    view = _page_url(page_base, page.number)
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, RDF.type, HYDRA.PagedCollection))
    graph.add((view, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
    links = {"first": 1, "last": page.last}
    if page.number > 1:
        links["previous"] = page.number - 1
    if page.number < page.last:
        links["next"] = page.number + 1
    for name, number in links.items():
        graph.add((view, HYDRA[name], _page_url(page_base, number)))
        graph.add((view, HYDRA[f"{name}Page"], _page_url(page_base, number)))  # Hydra's older names
    return graph


def serialise(graph: Graph, suffix: str) -> tuple[bytes, str]:
    """The graph in the format the URL suffix names, and its Content-Type."""
    rdflib_format, content_type = FORMATS[suffix]
    if rdflib_format == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    else:
        text = graph.serialize(format=rdflib_format)
    return text.encode("utf-8"), content_type
