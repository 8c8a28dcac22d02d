"""DCAT-AP 3.0.1 output: pyshacl against the official shapes (3.0.1 and 3.0.0), content types, paging, visibility."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef, namespace
from rdflib.compare import isomorphic

from tests.opendata.ckan_fixtures import Catalogue, fields
from townhall.demo.services import demo_generate
from townhall.opendata import dcat, services
from townhall.opendata.models import Dataset, DatasetState, Resource
from townhall.opendata.selectors import dcat as dcat_selectors
from townhall.opendata.services import ResourceFields

# Open copies of rdflib's closed namespaces (pytest's collection probes module globals, which closed ones warn about).
DCAT, DCTERMS, FOAF, RDF, SH, XSD = (
    Namespace(str(closed))
    for closed in (namespace.DCAT, namespace.DCTERMS, namespace.FOAF, namespace.RDF, namespace.SH, namespace.XSD)
)
VENDOR = Path(__file__).resolve().parents[2] / "townhall/opendata/vendor/dcat-ap"
RELEASES = ("3.0.0", "3.0.1")  # 3.0.1 is the profile; 3.0.0 is kept so a harvester on the older shapes is served too
HYDRA = dcat.HYDRA
SPDX = dcat.SPDX
VCARD = dcat.VCARD
RDF_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


@dataclass(frozen=True)
class Shapes:
    """One release's official shapes, and the inference pyshacl runs them with (see _violations)."""

    release: str
    graph: Graph
    inference: str


@pytest.fixture(scope="module")
def all_shapes() -> dict[str, Shapes]:
    return {
        release: Shapes(
            release=release,
            graph=Graph().parse(VENDOR / release / "dcat-ap-SHACL.ttl"),
            inference="rdfs" if release == "3.0.0" else "none",
        )
        for release in RELEASES
    }


@pytest.fixture(params=RELEASES)
def shapes(request: Any, all_shapes: dict[str, Shapes]) -> Shapes:
    return all_shapes[request.param]


def _get(client: Any, url: str) -> tuple[Graph, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    suffix = url.split("?")[0].rsplit(".", 1)[1]
    return Graph().parse(data=response.content, format=RDF_FORMATS[suffix]), response


def _violations(data: Graph, shapes: Shapes) -> list[str]:
    """SHACL violations, as readable lines.

    3.0.1 runs with no inference: every class it checks is stated in the data itself (see
    townhall/opendata/dcat.py). 3.0.0 also checks accessURL/downloadURL with `sh:class
    rdfs:Resource`, which only RDFS inference supplies (RDF Semantics makes every IRI one);
    3.0.1 checks their node kind instead.
    """
    conforms, report, _ = validate(data, shacl_graph=shapes.graph, inference=shapes.inference, allow_warnings=True)
    assert isinstance(report, Graph)
    lines = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        lines.append(
            f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)} "
            f"{report.value(result, SH.resultMessage)}"
        )
    assert conforms == (not lines)
    return lines


def test_the_vendored_shapes_are_the_files_the_readme_names(all_shapes: dict[str, Shapes]) -> None:
    """Each release's file is byte for byte the one whose size and SHA-256 the vendor README records."""
    readme = (VENDOR / "README.md").read_text()
    for release in RELEASES:
        content = (VENDOR / release / "dcat-ap-SHACL.ttl").read_bytes()
        row = re.search(rf"^\| `{re.escape(release)}/dcat-ap-SHACL\.ttl` \|(.*)$", readme, flags=re.MULTILINE)
        assert row is not None, release
        assert f"{len(content):,} bytes" in row.group(1), release
        assert hashlib.sha256(content).hexdigest() in row.group(1), release
    graph = all_shapes["3.0.1"].graph
    assert len(set(graph.subjects(RDF.type, SH.NodeShape))) == 33
    assert len(set(graph.subjects(SH.path, None))) == 290
    assert len(set(graph.subjects(SH.nodeKind, None))) == 131


def _paging_links_as_turtle(graph: Graph, suffix: str) -> Graph:
    """The graph with its hydra paging IRIs (/catalog.<suffix>?page=N) rewritten to the Turtle document's."""

    def turtle(term: Any) -> Any:
        text = str(term)
        return URIRef(text.replace(f"/catalog.{suffix}", "/catalog.ttl")) if isinstance(term, URIRef) else term

    rewritten = Graph()
    for subject, predicate, value in graph:
        rewritten.add((turtle(subject), predicate, turtle(value)))
    return rewritten


def test_the_demo_catalogue_validates_against_dcat_ap_3_with_no_violations(
    db: None, client: Any, all_shapes: dict[str, Shapes]
) -> None:
    demo_generate(scale="small", seed=1, as_of=dt.date(2026, 1, 15), history=False)
    public = dcat_selectors.catalogue_count()
    assert public >= 5

    graph, _ = _get(client, "/catalog.ttl")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == public
    catalogue = URIRef("http://testserver/")
    council = graph.value(catalogue, DCTERMS.publisher)
    assert council == URIRef("http://testserver/#council")  # no council website configured; not the catalogue
    assert (council, RDF.type, FOAF.Agent) in graph
    assert (catalogue, RDF.type, FOAF.Agent) not in graph
    for shapes in all_shapes.values():
        assert _violations(graph, shapes) == [], shapes.release
    # The other serialisations are the same graph apart from their own paging links, so they conform too
    # (validating each of them again took a minute).
    for suffix in ("jsonld", "rdf"):
        other, _ = _get(client, f"/catalog.{suffix}")
        assert isomorphic(_paging_links_as_turtle(other, suffix), graph), suffix
    for name in Dataset.objects.values_list("name", flat=True):
        graph, _ = _get(client, f"/dataset/{name}.ttl")
        assert _violations(graph, all_shapes["3.0.1"]) == [], name


def test_every_document_of_the_test_catalogue_conforms(catalogue: Catalogue, client: Any, shapes: Shapes) -> None:
    """Withdrawn, several themes, no resources, links and formats of each kind: every document served conforms."""
    catalogue_graph, _ = _get(client, "/catalog.ttl")
    assert _violations(catalogue_graph, shapes) == []
    shown = [catalogue.trees, catalogue.spend, catalogue.toilets, catalogue.withdrawn]
    for dataset in shown:
        graph, _ = _get(client, f"/dataset/{dataset.name}.ttl")
        assert _violations(graph, shapes) == [], dataset.name


def test_the_shapes_do_catch_mistakes(catalogue: Catalogue, client: Any, shapes: Shapes) -> None:
    """A control: the validation above is not vacuous, for either release.

    A keyword given as an IRI breaks only 3.0.1, whose node-kind constraints 3.0.0 lacks.
    """
    graph, _ = _get(client, "/dataset/street-trees.ttl")
    trees = URIRef(f"http://testserver/dataset/{catalogue.trees.id}")
    distribution = next(graph.objects(trees, DCAT.distribution))
    graph.set((distribution, DCAT.byteSize, Literal(1234)))  # xsd:integer, not xsd:nonNegativeInteger
    graph.remove((trees, DCTERMS.description, None))
    graph.remove((graph.value(distribution, DCTERMS.license), RDF.type, None))
    graph.add((trees, DCAT.keyword, URIRef("http://testserver/data/?tags=trees")))
    paths = {line.split()[1] for line in _violations(graph, shapes)}
    expected = {str(DCAT.byteSize), str(DCTERMS.description), str(DCTERMS.license)}
    if shapes.release == "3.0.1":
        expected.add(str(DCAT.keyword))
    assert paths == expected


def test_links_with_characters_iris_cannot_hold_are_percent_encoded(
    catalogue: Catalogue, client: Any, all_shapes: dict[str, Shapes]
) -> None:
    """Django's URL and e-mail validators accept `"{}|^` and friends; rdflib would refuse to write such IRIs
    as Turtle, failing the whole catalogue page, so they are percent-encoded."""
    odd = services.dataset_create(
        acting_user=None,
        fields=fields(
            "odd-links",
            catalogue.highways,
            landing_page='https://data.council.example/trees?q="oak"&x={1}',
            contact_email="open{data}@council.example",
            resources=[
                ResourceFields(
                    name="Pipes", url="https://data.council.example/a|b^c`d.csv", format="CSV", mimetype="text/x^y"
                )
            ],
        ),
    )
    node = URIRef(f"http://testserver/dataset/{odd.id}")
    for suffix in ("ttl", "jsonld", "rdf"):
        graph, _ = _get(client, f"/dataset/odd-links.{suffix}")
        assert graph.value(node, DCAT.landingPage) == URIRef("https://data.council.example/trees?q=%22oak%22&x=%7B1%7D")
        distribution = graph.value(node, DCAT.distribution)
        assert graph.value(distribution, DCAT.accessURL) == URIRef("https://data.council.example/a%7Cb%5Ec%60d.csv")
        assert graph.value(distribution, DCAT.mediaType) == URIRef(
            "https://www.iana.org/assignments/media-types/text/x%5Ey"
        )
        contact = graph.value(node, DCAT.contactPoint)
        assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:open%7Bdata%7D@council.example")
        for shapes in all_shapes.values():
            assert _violations(graph, shapes) == [], (shapes.release, suffix)
    page, _ = _get(client, "/catalog.ttl")
    assert (node, RDF.type, DCAT.Dataset) in page


def test_every_property_the_profile_asks_for_is_there_and_typed(
    catalogue: Catalogue, client: Any, shapes: Shapes
) -> None:
    graph, _ = _get(client, "/dataset/street-trees.ttl")
    assert _violations(graph, shapes) == []
    trees = URIRef(f"http://testserver/dataset/{catalogue.trees.id}")
    assert graph.value(trees, DCTERMS.identifier) == Literal(str(catalogue.trees.id))
    for dated in (DCTERMS.issued, DCTERMS.modified):
        when = graph.value(trees, dated)
        assert isinstance(when, Literal)
        assert when.datatype == XSD.dateTime
    assert {str(k) for k in graph.objects(trees, DCAT.keyword)} == {"trees", "environment"}
    assert graph.value(trees, DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    )
    period = graph.value(trees, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2025-04-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2026-03-31", datatype=XSD.date)
    assert (graph.value(trees, DCTERMS.spatial), RDF.type, DCTERMS.Location) in graph
    contact = graph.value(trees, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:opendata@council.example")
    publisher = graph.value(trees, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert str(graph.value(publisher, FOAF.name)) == "Highways and Transport"
    assert graph.value(publisher, DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert (graph.value(trees, DCAT.landingPage), RDF.type, FOAF.Document) in graph

    csv = next(d for d in graph.objects(trees, DCAT.distribution) if str(graph.value(d, DCTERMS.title)) == "Data")
    assert graph.value(csv, DCTERMS["format"]) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/CSV"
    )
    assert graph.value(csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv, DCAT.byteSize) == Literal("1234", datatype=XSD.nonNegativeInteger)
    assert graph.value(csv, DCAT.accessURL) == URIRef("https://data.council.example/trees.csv")
    licence = graph.value(csv, DCTERMS.license)
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in graph


def test_uploaded_files_have_a_download_url_and_a_sha256_checksum(db: None, client: Any, shapes: Shapes) -> None:
    services.council_datasets_publish(today=dt.date(2026, 4, 1))
    graph, _ = _get(client, "/dataset/ward-boundaries.rdf")
    assert _violations(graph, shapes) == []
    distribution = next(graph.subjects(RDF.type, DCAT.Distribution))
    download = str(graph.value(distribution, DCAT.downloadURL))
    assert download.startswith("http://testserver/dataset/")
    assert download.endswith("/download/ward-boundaries.geojson")
    checksum = graph.value(distribution, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    stored = Resource.objects.get(dataset__name="ward-boundaries").hash
    assert graph.value(checksum, SPDX.checksumValue) == Literal(stored.removeprefix("sha256:"), datatype=XSD.hexBinary)
    assert graph.value(distribution, DCTERMS["format"]) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/GEOJSON"
    )


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/catalog.ttl", "text/turtle"),
        ("/catalog.jsonld", "application/ld+json"),
        ("/catalog.rdf", "application/rdf+xml"),
        ("/dataset/street-trees.ttl", "text/turtle"),
        ("/dataset/street-trees.jsonld", "application/ld+json"),
        ("/dataset/street-trees.rdf", "application/rdf+xml"),
    ],
)
def test_each_serialisation_has_its_rdf_content_type(
    catalogue: Catalogue, client: Any, url: str, content_type: str
) -> None:
    graph, response = _get(client, url)
    assert response["Content-Type"] == content_type
    assert len(graph) > 10
    if content_type == "application/ld+json":
        assert "@context" in json.loads(response.content)


def test_drafts_private_deleted_never_appear_withdrawn_only_by_name(
    catalogue: Catalogue, client: Any, django_user_model: Any, data_steward: Any
) -> None:
    services.dataset_delete(acting_user=None, dataset=catalogue.toilets)
    client.force_login(data_steward)  # even a steward's session changes nothing: these are public documents
    graph, _ = _get(client, "/catalog.ttl")
    titles = {str(graph.value(d, DCTERMS.title)) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert titles == {catalogue.trees.title, catalogue.spend.title}
    for hidden in (catalogue.private, catalogue.draft, catalogue.toilets):
        assert client.get(f"/dataset/{hidden.name}.ttl").status_code == 404
        assert str(hidden.id) not in client.get("/catalog.jsonld").content.decode()

    withdrawn, _ = _get(client, f"/dataset/{catalogue.withdrawn.name}.ttl")
    node = URIRef(f"http://testserver/dataset/{catalogue.withdrawn.id}")
    assert withdrawn.value(node, dcat.ADMS.status) == dcat.DATASET_STATUS_WITHDRAWN


def test_the_catalogue_is_paged_with_hydra_links(catalogue: Catalogue, client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(dcat_selectors, "CATALOGUE_PAGE_SIZE", 1)
    for n in range(3):
        services.dataset_create(acting_user=None, fields=fields(f"extra-{n}", catalogue.finance))
    total = Dataset.objects.filter(state=DatasetState.ACTIVE, private=False).count()
    assert total == 6

    seen: list[str] = []
    url: str | None = "/catalog.ttl"
    while url:
        graph, _ = _get(client, url)
        page = URIRef(f"http://testserver{url if '?' in url else url + '?page=1'}")
        assert (page, RDF.type, HYDRA.PartialCollectionView) in graph
        assert (page, RDF.type, HYDRA.PagedCollection) in graph
        assert graph.value(page, HYDRA.totalItems) == Literal(total, datatype=XSD.integer)
        assert graph.value(page, HYDRA.first) == URIRef("http://testserver/catalog.ttl?page=1")
        assert graph.value(page, HYDRA.last) == URIRef(f"http://testserver/catalog.ttl?page={total}")
        seen.extend(str(d) for d in graph.subjects(RDF.type, DCAT.Dataset))
        following = graph.value(page, HYDRA.next)
        url = str(following).removeprefix("http://testserver") if following else None
        if url is None:
            assert graph.value(page, HYDRA.previous) == URIRef(f"http://testserver/catalog.ttl?page={total - 1}")
    assert len(seen) == len(set(seen)) == total

    assert client.get(f"/catalog.ttl?page={total + 1}").status_code == 404
    assert client.get("/catalog.ttl?page=0").status_code == 400
    assert client.get("/catalog.ttl?page=x").status_code == 400


def test_dcat_addresses_leave_ckan_download_addresses_alone(catalogue: Catalogue, client: Any) -> None:
    assert client.get("/dataset/street-trees.csv").status_code == 404
    assert client.get(f"/dataset/{catalogue.trees.id}/resource/{catalogue.trees.id}/download/x.ttl").status_code == 404
    assert client.post("/catalog.ttl").status_code == 405


def test_the_dataset_page_links_its_dcat_documents(catalogue: Catalogue, client: Any) -> None:
    page = client.get("/data/dataset/street-trees/").content.decode()
    for suffix, content_type in (
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
    ):
        assert f'<link rel="alternate" type="{content_type}" href="/dataset/street-trees.{suffix}">' in page
