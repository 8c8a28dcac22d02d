"""The Solr `q`/`fq`/`sort` subset: the parser's AST, its errors, and the `Q` objects run on a real table.

The Q tests use service-request categories (a real Townhall table with text, boolean, date and
to-many fields) so they don't depend on the open data models.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Q

from townhall.opendata.solr_query import (
    And,
    Exists,
    Field,
    MatchAll,
    Not,
    Or,
    Range,
    SearchQueryError,
    Term,
    Text,
    parse,
    parse_date,
    parse_sort,
    solr_to_q,
)
from townhall.service_requests.models import Category, CategoryGroup

# --- Parser -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", MatchAll()),
        ("   ", MatchAll()),
        ("*:*", MatchAll()),
        ("*", MatchAll()),
        ("budget", Text("budget")),
        ('"street trees"', Text("street trees", phrase=True)),
        ("organization:finance", Term("organization", "finance")),
        ('tags:"road safety"', Term("tags", "road safety", phrase=True)),
        ("tags:road\\ safety", Term("tags", "road safety")),
        ("name:spend*", Term("name", "spend", prefix=True)),
        ("res_format:*", Exists("res_format")),
        ("-organization:finance", Not(Term("organization", "finance"))),
        ("+state:active", Term("state", "active")),
        ("NOT tags:x", Not(Term("tags", "x"))),
        ("a b", And((Text("a"), Text("b")))),
        ("a AND b", And((Text("a"), Text("b")))),
        ("a && b", And((Text("a"), Text("b")))),
        ("a OR b", Or((Text("a"), Text("b")))),
        ("a || b", Or((Text("a"), Text("b")))),
        ("a b OR c", Or((And((Text("a"), Text("b"))), Text("c")))),
        ("a (b OR c)", And((Text("a"), Or((Text("b"), Text("c")))))),
        ("a NOT b", And((Text("a"), Not(Text("b"))))),
        ("-(a OR b)", Not(Or((Text("a"), Text("b"))))),
        ("res_format:(CSV OR XLSX)", Or((Term("res_format", "CSV"), Term("res_format", "XLSX")))),
        ('tags:("a b" c)', And((Term("tags", "a b", phrase=True), Term("tags", "c")))),
        (
            "metadata_modified:[2026-01-01T00:00:00Z TO *]",
            Range("metadata_modified", "2026-01-01T00:00:00Z", None),
        ),
        ("n:{1 TO 5}", Range("n", "1", "5", include_low=False, include_high=False)),
        ("n:[1 TO 5}", Range("n", "1", "5", include_low=True, include_high=False)),
        ("n:[* TO *]", Range("n", None, None)),
        ('title:["a b" TO "c d"]', Range("title", "a b", "c d")),
        ("metadata_modified:[NOW-1DAY TO NOW]", Range("metadata_modified", "NOW-1DAY", "NOW")),
        ("count:-5", Term("count", "-5")),
        ("extras_ref:a:b", Term("extras_ref", "a:b")),
        (
            "organization:a OR organization:b -tags:x",
            Or((Term("organization", "a"), And((Term("organization", "b"), Not(Term("tags", "x")))))),
        ),
    ],
)
def test_parse(query, expected):
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(a OR b", "missing ')'"),
        ("a)", "Unexpected ')'"),
        ("()", "Empty parentheses"),
        ('"open phrase', "quoted phrase is not closed"),
        ("name:", "has no value"),
        ("name: x", "has no value"),
        ("n:[1 TO 5", "must end with ']' or '}'"),
        ("n:[1 5]", "needs 'TO'"),
        ("n:[ TO 5]", "needs 'TO'"),
        ("[1 TO 5]", "A range needs a field"),
        ("a OR", "Expected a term"),
        ("OR a", "needs a term on each side"),
        ("a AND AND b", "needs a term on each side"),
        ("- a", "must be followed directly"),
        ("name:a*b", "single trailing '*'"),
        ("name:*ab", "single trailing '*'"),
        ("name:ab?", "not supported"),
        ("name:roam~2", "not supported"),
        ("title:x^2", "not supported"),
        ("*:x", "Only '*:*'"),
        ("{!lucene}x", "Local parameters"),
        ("9bad:x", "not a field name"),
        ("x]", "Unbalanced brackets"),
        ("trailing\\", "backslash"),
        ("(" * 60 + "a" + ")" * 60, "nested too deeply"),
        ("NOT " * 60 + "a", "nested too deeply"),
    ],
)
def test_parse_errors(query, message):
    with pytest.raises(SearchQueryError, match=re.escape(message)) as caught:
        parse(query)
    assert "at character" in caught.value.message


def test_overlong_queries_are_refused():
    with pytest.raises(SearchQueryError, match="longer than"):
        parse("a " * 6000)


NOW = dt.datetime(2026, 3, 31, 15, 45, 30, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2026-01-01T10:11:12.345Z", dt.datetime(2026, 1, 1, 10, 11, 12, 345000, tzinfo=dt.UTC)),
        ("2026-01-01", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2026-06-01T12:00:00+01:00", dt.datetime(2026, 6, 1, 11, 0, tzinfo=dt.UTC)),
        ("NOW", NOW),
        ("NOW-1DAY", NOW - dt.timedelta(days=1)),
        ("NOW/DAY", dt.datetime(2026, 3, 31, tzinfo=dt.UTC)),
        ("NOW-7DAYS/DAY", dt.datetime(2026, 3, 24, tzinfo=dt.UTC)),
        ("NOW-1MONTH", dt.datetime(2026, 2, 28, 15, 45, 30, 123456, tzinfo=dt.UTC)),
        ("NOW+1YEAR/YEAR", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
        ("NOW/HOUR+2HOURS", dt.datetime(2026, 3, 31, 17, tzinfo=dt.UTC)),
        ("2026-01-31T00:00:00Z||+1MONTH", dt.datetime(2026, 2, 28, tzinfo=dt.UTC)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01T00:00:00Z", "NOW-1FORTNIGHT", "NOW-DAY", "2026/01/01"])
def test_parse_date_errors(text):
    with pytest.raises(SearchQueryError):
        parse_date(text, now=NOW)


SORT_FIELDS = {"metadata_modified": Field("modified_at", kind="date"), "name": "name", "id": "id"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("metadata_modified desc, name asc", ["-modified_at", "name"]),
        ("score desc, metadata_modified desc", ["-modified_at"]),
        ("id asc", ["id"]),
        ("name", ["name"]),
        ("  name   DESC ,", ["-name"]),
        ("", []),
    ],
)
def test_parse_sort(sort, expected):
    assert parse_sort(sort, fields=SORT_FIELDS) == expected


def test_parse_sort_uses_score_when_mapped():
    assert parse_sort("score desc", fields={"score": "rank"}) == ["-rank"]


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        ("views_recent desc", "Can't sort by 'views_recent'"),
        ("name sideways", "Can't read the sort"),
        ("a b c", "Can't read the sort"),
    ],
)
def test_parse_sort_errors(sort, message):
    with pytest.raises(SearchQueryError, match=message):
        parse_sort(sort, fields=SORT_FIELDS)


# --- Q objects against a real table -----------------------------------------------------------

FIELDS = {
    "name": Field("service_code"),
    "title": Field("name", lookup="iexact"),
    "organization": Field("group__name"),
    "active": Field("active", kind="bool"),
    "metadata_created": Field("created_at", kind="date"),
    "minutes": Field("handling_minutes", kind="int"),
    "referral": Field("referral_body_name"),
    "id": Field("id", kind="int"),
    "code_is": lambda value: Q(service_code=value.lower()),
}
GROUP_FIELDS = {"name": Field("name"), "res_format": Field("categories__service_code", many=True)}


def text_q(term: str) -> Q:
    """Stands in for full-text search: a case-insensitive match on name or description."""
    return Q(name__icontains=term) | Q(description__icontains=term)


@pytest.fixture
def categories(db):
    roads = CategoryGroup.objects.create(name="Roads")
    waste = CategoryGroup.objects.create(name="Waste and recycling")
    rows = [
        ("pothole", "Pothole", roads, True, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), 30, "Deep holes in the road"),
        ("road-sign", "Damaged road sign", roads, True, dt.datetime(2026, 2, 1, tzinfo=dt.UTC), 45, ""),
        ("gritting", "Gritting", roads, False, dt.datetime(2025, 12, 1, tzinfo=dt.UTC), 20, "Icy roads"),
        ("bin-missed", "Missed bin", waste, True, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), 15, "Bin not emptied"),
        ("fly-tipping", "Fly-tipping", waste, True, dt.datetime(2026, 3, 10, tzinfo=dt.UTC), 60, "Dumped rubbish"),
    ]
    for code, name, group, active, created, minutes, description in rows:
        Category.objects.create(
            service_code=code,
            name=name,
            group=group,
            active=active,
            created_at=created,
            updated_at=created,
            handling_minutes=minutes,
            description=description,
            council_responsible=code != "gritting",
            referral_body_name="National Highways" if code == "gritting" else "",
        )
    return {"roads": roads, "waste": waste}


def codes(query: str) -> set[str]:
    q = solr_to_q(query, fields=FIELDS, text_q=text_q)
    return set(Category.objects.filter(q).values_list("service_code", flat=True))


ALL = {"pothole", "road-sign", "gritting", "bin-missed", "fly-tipping"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("*:*", ALL),
        ("name:pothole", {"pothole"}),
        ('name:"road-sign"', {"road-sign"}),
        ('organization:"Waste and recycling"', {"bin-missed", "fly-tipping"}),
        ("organization:Roads active:true", {"pothole", "road-sign"}),
        ("organization:Roads AND active:false", {"gritting"}),
        ("-organization:Roads", {"bin-missed", "fly-tipping"}),
        ("NOT organization:Roads", {"bin-missed", "fly-tipping"}),
        ("organization:Roads -name:pothole", {"road-sign", "gritting"}),
        ("name:pothole OR name:gritting", {"pothole", "gritting"}),
        ("name:(pothole OR gritting OR nothing)", {"pothole", "gritting"}),
        ("+organization:Roads +active:true -name:pothole", {"road-sign"}),
        ("(name:pothole OR name:bin-missed) active:true", {"pothole", "bin-missed"}),
        ("-(name:pothole OR name:bin-missed)", {"road-sign", "gritting", "fly-tipping"}),
        ("title:POTHOLE", {"pothole"}),
        ("name:road*", {"road-sign"}),
        ("name:ROAD*", {"road-sign"}),
        ("referral:*", {"gritting"}),
        ("-referral:*", ALL - {"gritting"}),
        ("metadata_created:[2026-01-01T00:00:00Z TO *]", ALL - {"gritting"}),
        ("metadata_created:[* TO 2026-01-05T00:00:00Z]", {"gritting", "pothole"}),
        ("metadata_created:{* TO 2026-01-05T00:00:00Z}", {"gritting"}),
        ("metadata_created:[2026-02-01T00:00:00Z TO 2026-03-01T00:00:00Z]", {"road-sign", "bin-missed"}),
        ("metadata_created:{2026-02-01T00:00:00Z TO 2026-03-01T00:00:00Z]", {"bin-missed"}),
        ("metadata_created:[2026-03-10 TO 2026-03-10]", {"fly-tipping"}),
        ("metadata_created:2026-01-05T00\\:00\\:00Z", {"pothole"}),
        ("metadata_created:[2020-01-01T00:00:00Z TO NOW]", ALL),
        ("metadata_created:[NOW TO *]", set()),
        ("minutes:[30 TO 45]", {"pothole", "road-sign"}),
        ("minutes:[* TO *]", ALL),
        ("minutes:30", {"pothole"}),
        ("road", {"road-sign", "gritting", "pothole"}),
        ('"missed bin"', {"bin-missed"}),
        ("road -organization:Roads", set()),
        ("road OR organization:Waste*", ALL),
        ("organization:Waste* OR name:pothole", {"bin-missed", "fly-tipping", "pothole"}),
        ("*:* -name:pothole", ALL - {"pothole"}),
        ("NOT *:*", set()),
        ("-*:* OR name:pothole", {"pothole"}),
        ("*:* OR name:pothole", ALL),
        ("code_is:POTHOLE", {"pothole"}),
    ],
)
def test_queries_select_the_right_rows(categories, query, expected):
    assert codes(query) == expected


def test_exclusive_range_on_ints(categories):
    assert codes("minutes:{15 TO 60}") == {"pothole", "road-sign", "gritting"}


def test_many_valued_fields_match_across_rows(categories):
    """`res_format:a AND res_format:b` means two related rows, not one row with both values."""

    def groups(query: str) -> set[str]:
        q = solr_to_q(query, fields=GROUP_FIELDS, model=CategoryGroup)
        return set(CategoryGroup.objects.filter(q).values_list("name", flat=True))

    assert groups("res_format:pothole res_format:gritting") == {"Roads"}
    assert groups("res_format:pothole res_format:bin-missed") == set()
    assert groups("res_format:pothole OR res_format:bin-missed") == {"Roads", "Waste and recycling"}
    assert groups("-res_format:pothole") == {"Waste and recycling"}
    assert groups("res_format:*") == {"Roads", "Waste and recycling"}
    assert groups("res_format:fly*") == {"Waste and recycling"}
    assert (
        CategoryGroup.objects.filter(
            solr_to_q("res_format:(pothole OR gritting)", fields=GROUP_FIELDS, model=CategoryGroup)
        ).count()
        == 1
    )


def test_many_field_without_model_is_a_programming_error():
    with pytest.raises(ValueError, match="many=True"):
        solr_to_q("res_format:csv", fields=GROUP_FIELDS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour:red", "Unknown field 'colour'; searchable fields are: active, code_is"),
        ("active:maybe", "active takes true or false"),
        ("minutes:lots", "'lots' is not a valid int for minutes"),
        ("minutes:[1 TO many]", "'many' is not a valid int"),
        ("metadata_created:[last week TO *]", "needs 'TO'"),
        ("metadata_created:[lastweek TO *]", "'lastweek' is not a date"),
        ("metadata_created:[NOW-1FORTNIGHT TO *]", "Unknown date unit 'FORTNIGHT'"),
        ("code_is:[a TO b]", "code_is can only be matched with exact values"),
        ("code_is:*", "can only be matched with exact values"),
    ],
)
def test_conversion_errors(query, message):
    with pytest.raises(SearchQueryError, match=re.escape(message)):
        solr_to_q(query, fields=FIELDS, text_q=text_q)


def test_free_text_needs_a_text_query():
    with pytest.raises(SearchQueryError, match="Free text search is not available"):
        solr_to_q("budget", fields=FIELDS)
