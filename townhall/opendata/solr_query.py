"""The subset of Solr's query syntax that CKAN clients and harvesters send in `q`, `fq` and `sort`.

CKAN hands `q`/`fq` straight to Solr, so clients (ckanapi, ckanext-harvest, data.gov.uk tools)
write Lucene syntax. Townhall has no Solr: this module parses that syntax into a small AST and
turns the AST into a Django `Q` through a field mapping the caller supplies, so it knows no model.

Supported:
- `field:value`, `field:"quoted value"`, `field:(a OR "b c")` (a group on one field)
- bare terms and `"quoted phrases"`: free text, handed to the caller's `text_q(term)`
- whitespace as AND (CKAN's default `q.op`), explicit `AND`/`&&`, `OR`/`||`, `NOT`, leading
  `-` (must not) and `+` (must), parentheses; precedence NOT > AND > OR, so `a b OR c` is
  `(a AND b) OR c` (Lucene's own mixing rules are surprising and no harvester relies on them)
- `*:*` and a bare `*` (everything), `field:*` (field has a value)
- ranges `field:[A TO B]`, `{A TO B}`, mixed `[A TO B}`, `*` for an open end
- dates `2026-01-01T00:00:00Z` (fractions allowed, date alone allowed) and date maths
  `NOW`, `NOW-1DAY`, `NOW/DAY`, `NOW-7DAYS/DAY`, `2026-01-01T00:00:00Z||+1MONTH`
- a trailing wildcard in a field value, `name:budget*` (case-insensitive prefix)
- backslash escapes (`tags:road\\ safety`)

Not supported: wildcards other than one trailing `*`, `?`, fuzzy and proximity (`~`), boosts
(`^`), local params (`{!...}`), function queries. These, unknown fields, unbalanced brackets or
quotes, values that don't convert to the field's kind, nesting deeper than MAX_DEPTH and queries
longer than MAX_LENGTH raise `SearchQueryError`. Free-text terms reach `text_q` verbatim
(a trailing `*` included), so the caller's full-text search decides what they mean.

The mapping's values are `Field`s (path, kind, to-many), bare paths, or callables for fields with
their own rules (e.g. `owner_org` taking an id or a name); `parse_sort` reuses the same mapping.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.db.models import Model, Q

FieldKind = Literal["text", "int", "float", "bool", "date", "uuid"]
TextLookup = Literal["exact", "iexact", "icontains"]


class SearchQueryError(ValueError):
    """A query the caller can fix; the CKAN API answers it as "Search Query Error" (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


TermQuery = Callable[[str], Q]


@dataclass(frozen=True)
class Field:
    """Where a Solr field lives in the database and how its values convert.

    `many` marks paths across a to-many relation (tags, resources): each clause then becomes its
    own `pk__in` subquery, so `tags:a AND tags:b` means two tags rather than one tag named both.
    `lookup` only applies to text fields. `exact`, if given, answers a plain `field:value` instead
    of `path` (where the caller has a cheaper way to the same answer, such as an indexed array);
    prefixes, ranges and `field:*` still use `path`.
    """

    path: str
    kind: FieldKind = "text"
    many: bool = False
    lookup: TextLookup = "exact"
    exact: TermQuery | None = None


FieldMap = Mapping[str, Field | str | TermQuery]
TextQuery = Callable[[str], Q]


# --- AST --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchAll:
    """`*:*`, `*` or an empty query."""


@dataclass(frozen=True)
class Text:
    """Free text: a bare term or a quoted phrase with no field."""

    value: str
    phrase: bool = False


@dataclass(frozen=True)
class Term:
    """`field:value`; `prefix` when the value ended with an unescaped `*`."""

    field: str
    value: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Exists:
    """`field:*`."""

    field: str


@dataclass(frozen=True)
class Range:
    """`field:[low TO high]`; None is an open end."""

    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = MatchAll | Text | Term | Exists | Range | Not | And | Or


# --- Parser -----------------------------------------------------------------------------------

_SPECIAL = set(' \t\r\n()[]{}"')
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_AND_WORDS = {"AND", "&&"}
MAX_DEPTH = 50
MAX_LENGTH = 10_000
_OR_WORDS = {"OR", "||"}


@dataclass
class _Word:
    """A raw word: its unescaped text and whether an unescaped `*`/`?`/`~`/`^` appeared where."""

    text: str
    star_at: list[int]
    bad_char: str | None


class _Parser:
    """Recursive descent over the characters; context decides what `:` and `-` mean."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    # -- scanning helpers
    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _error(self, message: str) -> SearchQueryError:
        return SearchQueryError(f"{message} (at character {self.pos + 1} of {self.text!r})")

    def _peek_word(self) -> str:
        """The next whitespace/bracket-delimited word, without consuming it (for operators)."""
        end = self.pos
        while end < len(self.text) and self.text[end] not in _SPECIAL:
            end += 1
        return self.text[self.pos : end]

    def _read_word(self, *, stop_at_colon: bool, stop: str = "") -> _Word:
        chars: list[str] = []
        stars: list[int] = []
        bad: str | None = None
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in _SPECIAL or char in stop or (stop_at_colon and char == ":"):
                break
            if char == "\\":
                if self.pos + 1 >= len(self.text):
                    raise self._error("A backslash must escape a character")
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == "*":
                stars.append(len(chars))
            elif char in "?~^" and bad is None:
                bad = char
            chars.append(char)
            self.pos += 1
        return _Word("".join(chars), stars, bad)

    def _read_phrase(self) -> str:
        self.pos += 1  # opening quote
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(chars)
            chars.append(char)
            self.pos += 1
        raise self._error("Unbalanced quotes: a quoted phrase is not closed")

    # -- grammar
    def parse(self) -> Node:
        self._skip_space()
        if self.pos >= len(self.text):
            return MatchAll()
        node = self._or(default_field=None)
        self._skip_space()
        if self.pos < len(self.text):
            raise self._error(f"Unexpected {self._peek()!r}")
        return node

    def _at_clause_end(self) -> bool:
        self._skip_space()
        return self.pos >= len(self.text) or self._peek() == ")"

    def _or(self, default_field: str | None) -> Node:
        children = [self._and(default_field)]
        while not self._at_clause_end() and self._peek_word() in _OR_WORDS:
            self.pos += len(self._peek_word())
            children.append(self._and(default_field))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self, default_field: str | None) -> Node:
        children = [self._unary(default_field)]
        while not self._at_clause_end() and self._peek_word() not in _OR_WORDS:
            if self._peek_word() in _AND_WORDS:
                self.pos += len(self._peek_word())
            children.append(self._unary(default_field))
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self, default_field: str | None) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self._error("The query is nested too deeply")
            return self._unary_at_depth(default_field)
        finally:
            self.depth -= 1

    def _unary_at_depth(self, default_field: str | None) -> Node:
        self._skip_space()
        if self.pos >= len(self.text) or self._peek() == ")":
            raise self._error("Expected a term")
        word = self._peek_word()
        if word in _AND_WORDS | _OR_WORDS:
            raise self._error(f"{word} needs a term on each side")
        if word == "NOT":
            self.pos += 3
            return Not(self._unary(default_field))
        if self._peek() in "+-":
            sign = self._peek()
            self.pos += 1
            if self.pos >= len(self.text) or self.text[self.pos].isspace():
                raise self._error(f"{sign!r} must be followed directly by a term")
            child = self._unary(default_field)
            return Not(child) if sign == "-" else child
        return self._primary(default_field)

    def _primary(self, default_field: str | None) -> Node:
        char = self._peek()
        if char == "(":
            return self._group(default_field)
        if char == '"':
            return self._value_node(default_field, self._read_phrase(), phrase=True)
        if self.text.startswith("{!", self.pos):
            raise self._error("Local parameters ({!...}) are not supported")
        if char in "[{":
            if default_field is None:
                raise self._error("A range needs a field, e.g. metadata_modified:[2026-01-01T00:00:00Z TO *]")
            return self._range(default_field)
        if char in "]}":
            raise self._error(f"Unbalanced brackets: unexpected {char!r}")
        start = self.pos
        word = self._read_word(stop_at_colon=True)
        if self._peek() == ":":
            return self._field_clause(start)
        if not word.text:
            raise self._error(f"Unexpected {char!r}")
        return self._word_node(default_field, word)

    def _group(self, default_field: str | None) -> Node:
        self.pos += 1
        self._skip_space()
        if self._peek() == ")":
            raise self._error("Empty parentheses")
        node = self._or(default_field)
        self._skip_space()
        if self._peek() != ")":
            raise self._error("Unbalanced parentheses: missing ')'")
        self.pos += 1
        return node

    def _field_clause(self, start: int) -> Node:
        name = self.text[start : self.pos]
        self.pos += 1  # the colon
        if name == "*":
            if self._peek_word() == "*":
                self.pos += 1
                return MatchAll()
            raise self._error("Only '*:*' may use '*' as a field")
        if not _FIELD_NAME.match(name):
            raise self._error(f"{name!r} is not a field name")
        char = self._peek()
        if not char or char.isspace() or char == ")":
            raise self._error(f"Field {name!r} has no value")
        if char == "(":
            return self._group(name)
        if char in "[{":
            return self._range(name)
        if char == '"':
            return Term(name, self._read_phrase(), phrase=True)
        value = self._read_word(stop_at_colon=False)
        if not value.text:
            raise self._error(f"Field {name!r} has no value")
        return self._word_node(name, value)

    def _word_node(self, field: str | None, word: _Word) -> Node:
        if field is None:
            return MatchAll() if word.text == "*" else Text(word.text)
        if word.text == "*":
            return Exists(field)
        if word.bad_char:
            raise self._error(f"{word.bad_char!r} (wildcards, fuzzy, proximity or boosts) is not supported in {field}")
        trailing = len(word.text)
        if any(at != trailing - 1 for at in word.star_at):
            raise self._error("Only a single trailing '*' wildcard is supported")
        if word.star_at:
            return Term(field, word.text[:-1], prefix=True)
        return Term(field, word.text)

    def _value_node(self, field: str | None, value: str, *, phrase: bool) -> Node:
        return Text(value, phrase=phrase) if field is None else Term(field, value, phrase=phrase)

    def _range(self, field: str) -> Node:
        include_low = self._peek() == "["
        self.pos += 1
        low = self._range_end()
        self._skip_space()
        if self._peek_word() != "TO":
            raise self._error("A range needs 'TO' between its ends, e.g. [A TO B]")
        self.pos += 2
        high = self._range_end()
        self._skip_space()
        close = self._peek()
        if close not in ("]", "}"):
            raise self._error("Unbalanced brackets: a range must end with ']' or '}'")
        self.pos += 1
        return Range(field, low, high, include_low, close == "]")

    def _range_end(self) -> str | None:
        self._skip_space()
        if self._peek() == '"':
            return self._read_phrase()
        word = self._read_word(stop_at_colon=False)
        if not word.text:
            raise self._error("A range end is missing")
        return None if word.text == "*" and word.star_at else word.text


def parse(query: str) -> Node:
    """Parse a Solr `q`/`fq` string; an empty string matches everything, as in CKAN."""
    if len(query) > MAX_LENGTH:
        raise SearchQueryError(f"The query is longer than {MAX_LENGTH} characters")
    return _Parser(query).parse()


# --- Values -----------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?\Z")
_DATE_MATH = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "YEAR": "year",
    "MONTH": "month",
    "DAY": "day",
    "DATE": "day",
    "HOUR": "hour",
    "MINUTE": "minute",
    "SECOND": "second",
    "MILLI": "millisecond",
    "MILLISECOND": "millisecond",
}


def _unit(name: str) -> str:
    unit = _UNITS.get(name.removesuffix("S")) or _UNITS.get(name)
    if unit is None:
        raise SearchQueryError(f"Unknown date unit {name!r}; use YEAR, MONTH, DAY, HOUR, MINUTE, SECOND")
    return unit


def _add(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit in ("year", "month"):
        months = moment.month - 1 + amount * (12 if unit == "year" else 1)
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    return moment + dt.timedelta(**{f"{unit}s": amount})


def _round(moment: dt.datetime, unit: str) -> dt.datetime:
    """Solr's `/UNIT`: round down to the start of that unit."""
    if unit == "millisecond":
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    moment = moment.replace(microsecond=0)
    if unit in ("year", "month", "day", "hour", "minute"):
        moment = moment.replace(second=0)
    if unit in ("year", "month", "day", "hour"):
        moment = moment.replace(minute=0)
    if unit in ("year", "month", "day"):
        moment = moment.replace(hour=0)
    if unit in ("year", "month"):
        moment = moment.replace(day=1)
    if unit == "year":
        moment = moment.replace(month=1)
    return moment


def _parse_instant(text: str) -> dt.datetime:
    if not _ISO_DATE.match(text):
        raise SearchQueryError(f"{text!r} is not a date; use e.g. 2026-01-01T00:00:00Z or NOW-1DAY")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"{text!r} is not a valid date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_date(text: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """An aware datetime from an ISO instant or Solr date maths (`NOW-1DAY/DAY`, `...Z||+1MONTH`)."""
    if text.startswith("NOW"):
        moment, maths = now or dt.datetime.now(tz=dt.UTC), text[3:]
    elif "||" in text:
        base, maths = text.split("||", 1)
        moment = _parse_instant(base)
    else:
        return _parse_instant(text)
    position = 0
    for match in _DATE_MATH.finditer(maths):
        if match.start() != position:
            break
        position = match.end()
        if match.group(4):
            moment = _round(moment, _unit(match.group(4)))
        else:
            amount = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
            moment = _add(moment, amount, _unit(match.group(3)))
    if position != len(maths):
        raise SearchQueryError(f"{text!r} is not valid date maths; use e.g. NOW-7DAYS/DAY")
    return moment


def _convert(field: str, spec: Field, value: str) -> object:
    """A query value as the Python type the field's column compares with."""
    try:
        if spec.kind == "int":
            return int(value)
        if spec.kind == "float":
            return Decimal(value)
        if spec.kind == "uuid":
            return uuid.UUID(value)
    except (ValueError, InvalidOperation):
        raise SearchQueryError(f"{value!r} is not a valid {spec.kind} for {field}") from None
    if spec.kind == "bool":
        if value.lower() not in ("true", "false"):
            raise SearchQueryError(f"{field} takes true or false, not {value!r}")
        return value.lower() == "true"
    if spec.kind == "date":
        return parse_date(value)
    return value


# --- To Django --------------------------------------------------------------------------------

_NOTHING_PATH = "pk__in"


def _nothing() -> Q:
    return Q(**{_NOTHING_PATH: []})


def _is_everything(q: Q) -> bool:
    return not q.children and not q.negated


@dataclass(frozen=True)
class _Converter:
    fields: Mapping[str, Field | TermQuery]
    text_q: TextQuery | None
    model: type[Model] | None

    def spec(self, name: str) -> Field | TermQuery:
        if name not in self.fields:
            known = ", ".join(sorted(self.fields))
            raise SearchQueryError(f"Unknown field {name!r}; searchable fields are: {known}")
        return self.fields[name]

    def field(self, name: str) -> Field:
        """A field that supports ranges, prefixes and `field:*`; callables match exact values only."""
        spec = self.spec(name)
        if not isinstance(spec, Field):
            raise SearchQueryError(f"{name} can only be matched with exact values, e.g. {name}:value")
        return spec

    def scoped(self, spec: Field, q: Q) -> Q:
        """Wrap a clause on a to-many path in its own subquery (see `Field.many`)."""
        if not spec.many:
            return q
        if self.model is None:
            raise ValueError("Fields with many=True need the model passed to to_q()")
        return Q(pk__in=self.model._base_manager.filter(q).values("pk"))

    def term(self, node: Term) -> Q:
        spec = self.spec(node.field) if not node.prefix else self.field(node.field)
        if not isinstance(spec, Field):
            return spec(node.value)
        if node.prefix:
            return self.scoped(spec, Q(**{f"{spec.path}__istartswith": node.value}))
        if spec.exact is not None:
            return spec.exact(node.value)
        lookup = spec.lookup if spec.kind == "text" else "exact"
        value = _convert(node.field, spec, node.value)
        return self.scoped(spec, Q(**{f"{spec.path}__{lookup}": value}))

    def exists(self, node: Exists) -> Q:
        spec = self.field(node.field)
        q = Q(**{f"{spec.path}__isnull": False})
        if spec.kind == "text":
            q &= ~Q(**{spec.path: ""})
        return self.scoped(spec, q)

    def range(self, node: Range) -> Q:
        spec = self.field(node.field)
        q = Q()
        if node.low is not None:
            q &= Q(**{f"{spec.path}__{'gte' if node.include_low else 'gt'}": _convert(node.field, spec, node.low)})
        if node.high is not None:
            q &= Q(**{f"{spec.path}__{'lte' if node.include_high else 'lt'}": _convert(node.field, spec, node.high)})
        if _is_everything(q):
            q = Q(**{f"{spec.path}__isnull": False})
        return self.scoped(spec, q)

    def text(self, node: Text) -> Q:
        if self.text_q is None:
            raise SearchQueryError("Free text search is not available here; use field:value")
        return self.text_q(node.value)

    def combine(self, node: And | Or) -> Q:
        parts = [self.convert(child) for child in node.children]
        if isinstance(node, Or):
            if any(_is_everything(part) for part in parts):
                return Q()
            result = parts[0]
            for part in parts[1:]:
                result |= part
            return result
        result = Q()
        for part in parts:
            result &= part
        return result

    def negate(self, node: Not) -> Q:
        inner = self.convert(node.child)
        return _nothing() if _is_everything(inner) else ~inner

    def convert(self, node: Node) -> Q:
        if isinstance(node, MatchAll):
            return Q()
        if isinstance(node, Text):
            return self.text(node)
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Exists):
            return self.exists(node)
        if isinstance(node, Range):
            return self.range(node)
        if isinstance(node, Not):
            return self.negate(node)
        return self.combine(node)


def _normalise(fields: FieldMap) -> dict[str, Field | TermQuery]:
    return {name: Field(spec) if isinstance(spec, str) else spec for name, spec in fields.items()}


def to_q(node: Node, *, fields: FieldMap, text_q: TextQuery | None = None, model: type[Model] | None = None) -> Q:
    """A `Q` for a parsed query; `model` is needed only when a field has `many=True`.

    A mapping value may be a `Field`, a bare path (a text `Field`), or a callable turning one exact
    value into a `Q` for fields with their own matching rules (ranges and prefixes are refused there).
    """
    return _Converter(_normalise(fields), text_q, model).convert(node)


def solr_to_q(query: str, *, fields: FieldMap, text_q: TextQuery | None = None, model: type[Model] | None = None) -> Q:
    """Parse and convert in one step: what `package_search` calls for `q` and each `fq`."""
    return to_q(parse(query), fields=fields, text_q=text_q, model=model)


# --- Sort -------------------------------------------------------------------------------------


def parse_sort(sort: str, *, fields: FieldMap) -> list[str]:
    """Django `order_by` arguments for a Solr sort such as `"metadata_modified desc, name asc"`.

    `score` is dropped unless the mapping names it: CKAN's default sort starts with it and
    every client repeats it, but relevance is the caller's concern. A missing direction means asc.
    """
    known = _normalise(fields)
    order: list[str] = []
    for clause in filter(None, (part.strip() for part in sort.split(","))):
        words = clause.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise SearchQueryError(f"Can't read the sort {clause!r}; use e.g. 'metadata_modified desc'")
        name = words[0]
        if name == "score" and name not in known:
            continue
        spec = known.get(name)
        if not isinstance(spec, Field):
            sortable = ", ".join(sorted(key for key, value in known.items() if isinstance(value, Field)))
            raise SearchQueryError(f"Can't sort by {name!r}; sortable fields are: {sortable}")
        descending = len(words) == 2 and words[1].lower() == "desc"
        order.append(("-" if descending else "") + spec.path)
    return order
