"""Every write to the Citizen Index: source systems, extract imports, linkage runs, merges, splits, reviews.

Each service is one transaction with its own audit entry. Audit entries carry ids and
counts only; reasons typed by staff stay on the CitizenEvent or ReviewPair, because
an audit reason must not name a person.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.catalogue import selectors as catalogue
from townhall.people import account_link, identity, importing, quality, selectors, survivorship
from townhall.people.constants import (
    CITIZEN_ID_PREFIX,
    PERSON_FIELDS,
    SOURCE_ID_KEY,
    CitizenStatus,
    EventKind,
    EventOrigin,
    ImportMode,
    LoadStatus,
    ReviewDecision,
)
from townhall.people.linkage import pipeline
from townhall.people.models import (
    AccountCitizenLink,
    AccountLinkOutcome,
    Citizen,
    CitizenEvent,
    DataQualityIssue,
    DataQualitySnapshot,
    GoldenRecord,
    LinkageRun,
    LoadBatch,
    ReviewPair,
    SourceRecord,
    SourceSystem,
    validate_column_mapping,
)

# Pairs scored from this probability up to the threshold wait for clerical review.
DEFAULT_REVIEW_FROM = 0.5
INPUT_TABLE = "people_index_input"
_BATCH = 2000
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class LinkageConflictError(Exception):
    """Source records changed while a run was scoring them; nothing was written. Run again."""


class CitizenChangeError(Exception):
    """A manual merge or split that cannot be done as asked; the message says why."""


def citizen_index_viewed(*, acting_user: User, object_type: str, object_id: str | int) -> None:
    """Record that a member of staff looked at personal data in the index (a page, not a change)."""
    _audit(acting_user, f"people.{object_type.lower()}.viewed", f"people.{object_type}", object_id)


def _audit(actor: User | None, action: str, object_type: str, object_id: str | int, reason: str = "") -> None:
    audit_record(actor=actor, action=action, object_type=object_type, object_id=object_id, reason=reason)


# ---------------------------------------------------------------------------------------------
# Source systems and imports


@transaction.atomic
def source_system_create(
    *, code: str, name: str, trust_rank: int, column_mapping: dict[str, str], acting_user: User | None = None
) -> SourceSystem:
    """Register a system whose extracts are loaded; its column mapping is checked here and on every save."""
    source = SourceSystem(code=code, name=name, trust_rank=trust_rank, column_mapping=column_mapping)
    source.full_clean()
    source.save()
    _audit(acting_user, "people.source_system.created", "people.SourceSystem", source.pk)
    return source


@dataclass
class ImportReport:
    """What a load did, or why it stored nothing (errors by row and column)."""

    batch: LoadBatch
    errors: list[importing.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch.status == LoadStatus.LOADED

    def lines(self) -> list[str]:
        lines = importing.report_lines(self.errors)
        hidden = self.batch.error_count - len(self.errors)
        if hidden > 0:
            lines.append(f"... and {hidden:,} more errors")
        return lines


def _read(file: IO[bytes] | Path) -> tuple[IO[bytes], str]:
    if isinstance(file, Path):
        return file.open("rb"), file.name
    return file, getattr(file, "name", "") or "upload.csv"


def load_batch_import(
    *,
    source: SourceSystem,
    file: IO[bytes] | Path,
    file_name: str | None = None,
    mapping: dict[str, str] | None = None,
    mode: ImportMode | str = ImportMode.FULL,
    acting_user: User | None = None,
) -> ImportReport:
    """Load one extract: every row is checked first, and a file with any bad row stores no record.

    Full mode: the file is the whole of the source; active records missing from it are
    marked deleted. Delta mode: new and changed records only; a record is deleted only
    when the mapping has a `deleted` column and the row says so. Unchanged records
    (same hash) are counted and left alone. A rejected file is kept as a LoadBatch with
    its errors, so the data team can see what was refused and why.
    """
    mode = ImportMode(mode)
    started = timezone.now()
    handle, default_name = _read(file)
    name = Path(file_name or default_name).name[:255]
    used_mapping = dict(mapping if mapping is not None else source.column_mapping)
    try:
        validate_column_mapping(used_mapping)
        parsed = importing.parse_extract(
            handle, used_mapping, today=timezone.localdate(), deletions_allowed=mode == ImportMode.DELTA
        )
    except ValidationError as exc:
        parsed = importing.ParsedExtract()
        parsed.error(0, "", "the column mapping is not valid: " + " ".join(exc.messages))
    finally:
        if isinstance(file, Path):
            handle.close()
    batch = LoadBatch(
        source=source,
        file_name=name,
        mode=mode,
        column_mapping=used_mapping,
        started_at=started,
        rows=parsed.row_count,
    )
    with transaction.atomic():
        if parsed.error_count:
            batch.status = LoadStatus.REJECTED
            batch.errors = [error.as_dict() for error in parsed.errors]
            batch.error_count = parsed.error_count
            batch.finished_at = timezone.now()
            batch.save()
            _audit(acting_user, "people.load_batch.rejected", "people.LoadBatch", batch.pk)
            return ImportReport(batch=batch, errors=parsed.errors)
        batch.status = LoadStatus.LOADED
        batch.finished_at = started
        batch.save()
        _apply_extract(batch, parsed, started)
        batch.finished_at = timezone.now()
        batch.save(update_fields=["new", "changed", "deleted", "unchanged", "finished_at"])
        _audit(acting_user, "people.load_batch.loaded", "people.LoadBatch", batch.pk)
    return ImportReport(batch=batch)


def _apply_extract(batch: LoadBatch, parsed: importing.ParsedExtract, now: Any) -> None:
    existing = {
        source_id: (pk, record_hash, deleted_at)
        for pk, source_id, record_hash, deleted_at in SourceRecord.objects.filter(
            source_system=batch.source
        ).values_list("pk", "source_id", "record_hash", "deleted_at")
    }
    created: list[SourceRecord] = []
    changed: list[tuple[Any, ...]] = []
    for values in parsed.rows:
        source_id = str(values[SOURCE_ID_KEY])
        fields = {name: values[name] for name in PERSON_FIELDS}
        known = existing.get(source_id)
        if known is None:
            created.append(
                SourceRecord(
                    source_system=batch.source,
                    source_id=source_id,
                    record_hash=str(values["record_hash"]),
                    first_batch=batch,
                    batch=batch,
                    changed_at=now,
                    **fields,
                )
            )
        elif known[1] != values["record_hash"] or known[2] is not None:
            changed.append((known[0], *fields.values(), values["record_hash"], batch.pk, now, None))
        else:
            batch.unchanged += 1
    if batch.mode == ImportMode.FULL:
        present = {str(values[SOURCE_ID_KEY]) for values in parsed.rows}
        gone = [
            pk
            for source_id, (pk, _h, deleted_at) in existing.items()
            if deleted_at is None and source_id not in present
        ]
    else:
        gone = [existing[i][0] for i in parsed.deleted_ids if i in existing and existing[i][2] is None]
    SourceRecord.objects.bulk_create(created, batch_size=_BATCH)
    _rows_update(SourceRecord, [*PERSON_FIELDS, "record_hash", "batch", "changed_at", "deleted_at"], changed)
    for chunk in _chunks(gone):
        SourceRecord.objects.filter(pk__in=chunk).update(deleted_at=now, batch=batch, changed_at=now)
    batch.new, batch.changed, batch.deleted = len(created), len(changed), len(gone)


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------------------------------------
# Linkage runs


def _new_citizen_id() -> str:
    """CIT- and 12 Crockford base-32 characters (60 random bits): readable, unguessable, unique in practice."""
    value = secrets.randbits(60)
    text = "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(55, -5, -5))
    return f"{CITIZEN_ID_PREFIX}{text[:4]}-{text[4:8]}-{text[8:]}"


def _citizens_create(count: int) -> list[Citizen]:
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(_new_citizen_id())
    taken: set[str] = set()
    for chunk in _chunks(sorted(ids)):
        taken.update(Citizen.objects.filter(citizen_id__in=chunk).values_list("citizen_id", flat=True))
    while taken:  # a collision with an existing id: about 1 in 10^12 per id
        ids -= taken
        fresh = {_new_citizen_id() for _ in taken}
        taken = set(Citizen.objects.filter(citizen_id__in=fresh).values_list("citizen_id", flat=True))
        ids |= fresh - taken
    return Citizen.objects.bulk_create([Citizen(citizen_id=i) for i in sorted(ids)], batch_size=_BATCH)


@dataclass
class _Scored:
    """What DuckDB gave back: clusters, pairs above the threshold, and the uncertain band."""

    run: pipeline.LinkageRun
    cluster_of: dict[int, int]
    edges: list[tuple[int, int, float]]
    uncertain: list[dict[str, Any]]


def _score(threshold: float, review_from: float, threads: int | None, timings: dict[str, float]) -> _Scored:
    import pandas as pd

    clock = time.perf_counter()
    rows = SourceRecord.objects.filter(deleted_at__isnull=True).values_list("pk", "source_system__code", *PERSON_FIELDS)
    frame = pd.DataFrame(list(rows), columns=["row_number", "source_system", *PERSON_FIELDS])
    for name in ("source_system", *PERSON_FIELDS):
        frame[name] = frame[name].map(lambda v: None if v in (None, "") else str(v)).astype("string")
    frame["row_number"] = frame["row_number"].astype("int64")
    timings["read records"] = time.perf_counter() - clock
    con = pipeline.connect(threads=threads)
    try:
        con.register("people_index_frame", frame)
        con.execute(f"CREATE TEMP TABLE {INPUT_TABLE} AS SELECT * FROM people_index_frame")  # noqa: S608
        con.unregister("people_index_frame")
        clock = time.perf_counter()

        def stage(name: str) -> None:
            nonlocal clock
            timings[name] = time.perf_counter() - clock
            clock = time.perf_counter()

        run = pipeline.link_records(con, INPUT_TABLE, threshold=threshold, review_from=review_from, progress=stage)
        cluster_of = dict(con.execute(f"SELECT row_number, cluster_row FROM {pipeline.CLUSTERS_TABLE}").fetchall())  # noqa: S608
        edges = [
            (int(a), int(b), float(p))
            for a, b, p in con.execute(
                f"SELECT unique_id_l, unique_id_r, match_probability FROM {pipeline.PREDICTIONS_TABLE} "  # noqa: S608
                f"WHERE match_probability >= {float(threshold)}"
            ).fetchall()
        ]
        band = con.execute(
            f"SELECT * FROM {pipeline.PREDICTIONS_TABLE} WHERE match_probability < {float(threshold)}"  # noqa: S608
        )
        columns = [d[0] for d in band.description or ()]
        uncertain = [dict(zip(columns, row, strict=True)) for row in band.fetchall()]
    finally:
        con.close()
    return _Scored(run=run, cluster_of=cluster_of, edges=edges, uncertain=uncertain)


def _level_weights(comparison: dict[str, Any]) -> list[tuple[str, float]]:
    """(label, match weight) of each level of a trained comparison; the null level weighs 0."""
    levels = []
    for level in comparison["comparison_levels"]:
        label = str(level.get("label_for_charts") or level.get("sql_condition", ""))
        m, u = level.get("m_probability"), level.get("u_probability")
        if level.get("is_null_level"):
            levels.append((label, 0.0))
        elif isinstance(m, int | float) and isinstance(u, int | float) and m > 0 and u > 0:
            levels.append((label, math.log2(m / u)))
    return levels


def _explanation(row: dict[str, Any], model: dict[str, Any]) -> list[dict[str, Any]]:
    """One waterfall step per comparison: the level reached (its label) and its match weight (log2 Bayes factor).

    Splink keeps each comparison's match weight (`mw_*`, and `mw_tf_adj_*` for
    term-frequency adjustments) but not the level; the level is the one whose trained
    weight the pair received.
    """
    prior = float(model.get("probability_two_random_records_match") or 0.0)
    steps: list[dict[str, Any]] = []
    if 0 < prior < 1:
        steps.append(
            {
                "comparison": "prior",
                "label": "Chance two records are one person",
                "match_weight": math.log2(prior / (1 - prior)),
            }
        )
    for comparison in model.get("comparisons", []):
        name = comparison["output_column_name"]
        weight = row.get(f"mw_{name}")
        if weight is None:
            continue
        levels = _level_weights(comparison)
        label = min(levels, key=lambda level: abs(level[1] - weight))[0] if levels else ""
        adjustment = float(row.get(f"mw_tf_adj_{name}") or 0.0)
        steps.append(
            {
                "comparison": name,
                "label": label,
                "match_weight": float(weight) + adjustment,
                "term_frequency_adjustment": adjustment,
            }
        )
    return steps


def linkage_run(
    *,
    threshold: float = pipeline.DEFAULT_THRESHOLD,
    review_from: float = DEFAULT_REVIEW_FROM,
    acting_user: User | None = None,
    threads: int | None = None,
) -> LinkageRun:
    """Link every active source record into citizens, keeping existing citizen ids wherever it can.

    Scores pairs with the Splink pipeline in DuckDB (trained by EM on this data, or the
    packaged model below 1,000 records), clusters at `threshold`, applies reviewers'
    decisions (must-link, must-not-link), gives each cluster a stable id
    (identity.assign_ids), records created/merged/split/retired events, stores the
    pairs scored between `review_from` and the threshold for review, and rebuilds the
    golden records of every citizen that changed. Raises LinkageConflictError, having
    written nothing, when an import changed records while the run was scoring.
    """
    if not 0 < review_from <= threshold < 1:
        raise ValueError("Need 0 < review_from <= threshold < 1.")
    started = timezone.now()
    timings: dict[str, float] = {}
    # Batches are never deleted, so a different count later means an import finished meanwhile.
    batches_read = LoadBatch.objects.filter(status=LoadStatus.LOADED).count()
    scored = _score(threshold, review_from, threads, timings)
    clock = time.perf_counter()
    decisions = list(
        ReviewPair.objects.filter(decision__in=(ReviewDecision.MATCH, ReviewDecision.NOT_MATCH)).values_list(
            "record_low_id", "record_high_id", "decision"
        )
    )
    constrained = identity.apply_constraints(
        scored.cluster_of,
        scored.edges,
        must_link=[(a, b) for a, b, d in decisions if d == ReviewDecision.MATCH],
        must_not_link=[(a, b) for a, b, d in decisions if d == ReviewDecision.NOT_MATCH],
    )
    with transaction.atomic():
        if LoadBatch.objects.filter(status=LoadStatus.LOADED).count() != batches_read:
            raise LinkageConflictError("Source records were imported during the run; run linkage again.")
        previous: dict[int, int | None] = dict(
            SourceRecord.objects.filter(deleted_at__isnull=True).values_list("pk", "citizen_id")
        )
        active_citizens = list(Citizen.objects.filter(status=CitizenStatus.ACTIVE).values_list("pk", flat=True))
        assignment = identity.assign_ids(constrained.cluster_of, previous, active_citizens)
        record = LinkageRun.objects.create(
            started_at=started,
            finished_at=started,
            threshold=threshold,
            review_from=review_from,
            model=scored.run.model,
            trained_on=scored.run.trained,
            records=scored.run.records,
            pairs_scored=scored.run.pairs_scored,
            clusters=len(set(constrained.cluster_of.values())),
            must_links_applied=constrained.must_links_applied,
            must_not_links_applied=constrained.must_not_links_applied,
            records_previously_linked=assignment.records_previously_linked,
            records_kept_id=assignment.records_kept_id,
        )
        timings["constraints and ids"] = time.perf_counter() - clock
        clock = time.perf_counter()
        dirty = _write_assignment(record, constrained.cluster_of, previous, assignment)
        timings["write citizens"] = time.perf_counter() - clock
        clock = time.perf_counter()
        record.review_pairs = _store_review_pairs(record, scored)
        timings["store review pairs"] = time.perf_counter() - clock
        clock = time.perf_counter()
        last = LinkageRun.objects.exclude(pk=record.pk).order_by("-started_at").first()
        if last is not None:
            dirty.update(
                SourceRecord.objects.filter(changed_at__gte=last.started_at, citizen__isnull=False).values_list(
                    "citizen_id", flat=True
                )
            )
        golden_records_rebuild(citizen_pks=None if last is None else dirty)
        timings["golden records"] = time.perf_counter() - clock
        record.timings = {name: round(seconds, 3) for name, seconds in timings.items()}
        record.finished_at = timezone.now()
        record.save()
        _audit(acting_user, "people.linkage_run.completed", "people.LinkageRun", record.pk)
    return record


def _write_assignment(
    run: LinkageRun, cluster_of: dict[int, int], previous: Mapping[int, int | None], assignment: identity.IdAssignment
) -> set[int]:
    """Create and retire citizens, move records and record events; return the citizens that changed."""
    now = run.started_at
    new = _citizens_create(len(assignment.new_clusters))
    citizen_of_cluster = dict(assignment.citizen_of_cluster)
    citizen_of_cluster.update({cluster: c.pk for cluster, c in zip(assignment.new_clusters, new, strict=True)})
    moved = [
        (citizen_of_cluster[cluster], record)
        for record, cluster in cluster_of.items()
        if previous.get(record) != citizen_of_cluster[cluster]
    ]
    _rows_update(SourceRecord, ["citizen"], ((record, citizen) for citizen, record in moved))
    dirty: set[int] = {citizen for citizen, _record in moved}
    dirty.update(c for _citizen, record in moved if (c := previous.get(record)) is not None)
    for retired, cluster in assignment.merged_away.items():
        Citizen.objects.filter(pk=retired).update(
            status=CitizenStatus.RETIRED, retired_at=now, superseded_by_id=citizen_of_cluster[cluster]
        )
    for chunk in _chunks(assignment.emptied):
        Citizen.objects.filter(pk__in=chunk).update(status=CitizenStatus.RETIRED, retired_at=now)
    dirty.update(assignment.emptied)

    events: list[tuple[CitizenEvent, list[int], list[int]]] = []

    def event(kind: EventKind, citizen: int, predecessors: list[int], successors: list[int], moved_: int) -> None:
        events.append(
            (
                CitizenEvent(
                    kind=kind,
                    origin=EventOrigin.LINKAGE,
                    citizen_id=citizen,
                    run=run,
                    records_moved=moved_,
                    occurred_at=now,
                ),
                predecessors,
                successors,
            )
        )

    for cluster, citizen in zip(assignment.new_clusters, new, strict=True):
        contributors = assignment.contributors.get(cluster, {})
        event(EventKind.CREATED, citizen.pk, sorted(contributors), [citizen.pk], sum(contributors.values()))
    for cluster, olds in assignment.merged.items():
        survivor = citizen_of_cluster[cluster]
        contributors = assignment.contributors[cluster]
        moved_in = sum(n for old, n in contributors.items() if old != survivor)
        event(EventKind.MERGED, survivor, olds, [survivor], moved_in)
    for old, clusters in assignment.split.items():
        successors = sorted({citizen_of_cluster[c] for c in clusters})
        moved_out = sum(assignment.contributors[c][old] for c in clusters if citizen_of_cluster[c] != old)
        event(EventKind.SPLIT, old, [old], successors, moved_out)
    for retired, cluster in assignment.merged_away.items():
        event(EventKind.RETIRED, retired, [retired], [citizen_of_cluster[cluster]], 0)
    for retired in assignment.emptied:
        event(EventKind.RETIRED, retired, [retired], [], 0)
    _events_create(events)
    run.citizens_created = len(new)
    run.citizens_merged = len(assignment.merged)
    run.citizens_split = len(assignment.split)
    run.citizens_retired = len(assignment.merged_away) + len(assignment.emptied)
    return {pk for pk in dirty if pk is not None}


def _rows_update(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """UPDATE many rows by primary key, each row (pk, *values in `fields` order), via executemany.

    Django's bulk_update builds a CASE expression per row in Python, which took most of
    a 100k-record first run; a parameterised UPDATE run with executemany does not.
    Values are prepared by each field (JSON, dates), as the ORM would.
    """
    meta = model._meta
    columns: list[models.Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{name} is not a column of {meta.label}")
        columns.append(field)
    assignments = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in columns)
    table, key = connection.ops.quote_name(meta.db_table), connection.ops.quote_name("id")
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - names from the model's own meta
    prepared = (
        [*(f.get_db_prep_save(value, connection) for f, value in zip(columns, values, strict=True)), pk]
        for pk, *values in rows
    )
    with connection.cursor() as cursor:
        batch: list[list[Any]] = []
        for row in prepared:
            batch.append(row)
            if len(batch) == _BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _events_create(events: list[tuple[CitizenEvent, list[int], list[int]]]) -> None:
    created = CitizenEvent.objects.bulk_create([e for e, _p, _s in events], batch_size=_BATCH)
    before = CitizenEvent.predecessors.through
    after = CitizenEvent.successors.through
    before.objects.bulk_create(
        [before(citizenevent_id=e.pk, citizen_id=c) for e, (_x, p, _s) in zip(created, events, strict=True) for c in p],
        batch_size=_BATCH,
    )
    after.objects.bulk_create(
        [after(citizenevent_id=e.pk, citizen_id=c) for e, (_x, _p, s) in zip(created, events, strict=True) for c in s],
        batch_size=_BATCH,
    )


def _store_review_pairs(run: LinkageRun, scored: _Scored) -> int:
    """Upsert this run's uncertain pairs; pending pairs no longer uncertain are dropped, decisions kept."""
    existing = {
        (low, high): (pk, decision)
        for pk, low, high, decision in ReviewPair.objects.values_list(
            "pk", "record_low_id", "record_high_id", "decision"
        )
    }
    create: list[ReviewPair] = []
    update: list[tuple[Any, ...]] = []
    seen: set[tuple[int, int]] = set()
    for row in scored.uncertain:
        low, high = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        seen.add((low, high))
        probability, weight = float(row["match_probability"]), float(row["match_weight"])
        explanation = _explanation(row, scored.run.model)
        if (low, high) in existing:
            update.append((existing[(low, high)][0], probability, weight, explanation, run.pk))
        else:
            create.append(
                ReviewPair(
                    record_low_id=low,
                    record_high_id=high,
                    match_probability=probability,
                    match_weight=weight,
                    explanation=explanation,
                    run=run,
                )
            )
    stale = [pk for pair, (pk, decision) in existing.items() if decision == ReviewDecision.PENDING and pair not in seen]
    for chunk in _chunks(stale):
        ReviewPair.objects.filter(pk__in=chunk).delete()
    ReviewPair.objects.bulk_create(create, batch_size=_BATCH)
    _rows_update(ReviewPair, ["match_probability", "match_weight", "explanation", "run"], update)
    return len(scored.uncertain)


# ---------------------------------------------------------------------------------------------
# Golden records


def golden_records_rebuild(*, citizen_pks: Iterable[int] | None = None) -> int:
    """Recompute the golden record of the given citizens (None: every citizen); retired ones lose theirs."""
    records = SourceRecord.objects.filter(deleted_at__isnull=True, citizen__isnull=False).values_list(
        "pk",
        "citizen_id",
        "source_system__code",
        "source_id",
        "source_system__trust_rank",
        "changed_at",
        *PERSON_FIELDS,
    )
    wanted: set[int] | None = None if citizen_pks is None else set(citizen_pks)
    if wanted is not None and len(wanted) <= 5000:
        rows = [r for chunk in _chunks(sorted(wanted)) for r in records.filter(citizen_id__in=chunk)]
    else:
        rows = [r for r in records.iterator(chunk_size=_BATCH) if wanted is None or r[1] in wanted]
    members: dict[int, list[survivorship.Candidate]] = defaultdict(list)
    for pk, citizen, source, source_id, trust_rank, changed_at, *values in rows:
        members[citizen].append(
            survivorship.Candidate(
                record=pk,
                source=source,
                source_id=source_id,
                trust_rank=trust_rank,
                changed_at=changed_at,
                values=dict(zip(PERSON_FIELDS, values, strict=True)),
            )
        )
    if wanted is None:
        GoldenRecord.objects.all().delete()
    else:
        for chunk in _chunks(sorted(wanted)):
            GoldenRecord.objects.filter(citizen_id__in=chunk).delete()
    golden = []
    for citizen, candidates in members.items():
        values, provenance = survivorship.golden_values(candidates)
        golden.append(GoldenRecord(citizen_id=citizen, provenance=provenance, records=len(candidates), **values))
    GoldenRecord.objects.bulk_create(golden, batch_size=_BATCH)
    return len(golden)


# ---------------------------------------------------------------------------------------------
# Manual changes by data stewards


def _active_citizen(citizen_id: str) -> Citizen:
    citizen = Citizen.objects.select_for_update().filter(citizen_id=citizen_id).first()
    if citizen is None:
        raise CitizenChangeError(f"There is no citizen {citizen_id}.")
    if citizen.status != CitizenStatus.ACTIVE:
        raise CitizenChangeError(f"Citizen {citizen_id} is retired.")
    return citizen


def _members(citizen: Citizen) -> list[SourceRecord]:
    return list(SourceRecord.objects.filter(citizen=citizen, deleted_at__isnull=True).order_by("pk"))


def _decide(pairs: Iterable[tuple[int, int]], decision: ReviewDecision, reason: str) -> None:
    """Record decided pairs (creating or overriding), which later linkage runs obey."""
    now = timezone.now()
    for a, b in pairs:
        low, high = sorted((a, b))
        ReviewPair.objects.update_or_create(
            record_low_id=low, record_high_id=high, defaults={"decision": decision, "decided_at": now, "reason": reason}
        )


def _manual_event(
    kind: EventKind, citizen: Citizen, predecessors: list[Citizen], successors: list[Citizen], moved: int, reason: str
) -> CitizenEvent:
    event = CitizenEvent.objects.create(
        kind=kind,
        origin=EventOrigin.MANUAL,
        citizen=citizen,
        records_moved=moved,
        reason=reason,
        occurred_at=timezone.now(),
    )
    event.predecessors.set(predecessors)
    event.successors.set(successors)
    return event


@transaction.atomic
def citizen_merge(*, acting_user: User, citizen_ids: Sequence[str], reason: str) -> Citizen:
    """Merge citizens into the first one given (it keeps its id); the others are retired, pointing to it.

    Decided-match pairs are stored between the citizens' records, so later linkage
    runs keep them together.
    """
    if not reason.strip():
        raise CitizenChangeError("Give a reason for the merge.")
    if len(set(citizen_ids)) < 2 or len(set(citizen_ids)) != len(citizen_ids):
        raise CitizenChangeError("Name at least two different citizens to merge.")
    keeper, *others = [_active_citizen(i) for i in citizen_ids]
    keeper_records = _members(keeper)
    moved = 0
    now = timezone.now()
    for other in others:
        records = _members(other)
        if keeper_records and records:
            _decide([(keeper_records[0].pk, records[0].pk)], ReviewDecision.MATCH, f"manual merge: {reason}")
        moved += SourceRecord.objects.filter(citizen=other).update(citizen=keeper)
        other.status, other.retired_at, other.superseded_by = CitizenStatus.RETIRED, now, keeper
        other.save(update_fields=["status", "retired_at", "superseded_by"])
        _manual_event(EventKind.RETIRED, other, [other], [keeper], 0, reason)
    _manual_event(EventKind.MERGED, keeper, [keeper, *others], [keeper], moved, reason)
    golden_records_rebuild(citizen_pks=[keeper.pk, *(o.pk for o in others)])
    for citizen in (keeper, *others):
        _audit(acting_user, "people.citizen.merged", "people.Citizen", citizen.citizen_id)
    return keeper


@transaction.atomic
def citizen_split(*, acting_user: User, citizen_id: str, source_record_pks: Sequence[int], reason: str) -> Citizen:
    """Move some of a citizen's records to a new citizen; the rest keep the id.

    Decided not-match pairs are stored between every moved and every remaining record,
    so later linkage runs keep the two apart.
    """
    if not reason.strip():
        raise CitizenChangeError("Give a reason for the split.")
    citizen = _active_citizen(citizen_id)
    members = _members(citizen)
    chosen = set(source_record_pks)
    if not chosen or not chosen <= {r.pk for r in members}:
        raise CitizenChangeError(f"Choose records that belong to {citizen_id}.")
    if len(chosen) == len(members):
        raise CitizenChangeError("At least one record must stay with the citizen.")
    (new,) = _citizens_create(1)
    SourceRecord.objects.filter(pk__in=chosen).update(citizen=new)
    remaining = [r.pk for r in members if r.pk not in chosen]
    _decide([(a, b) for a in sorted(chosen) for b in remaining], ReviewDecision.NOT_MATCH, f"manual split: {reason}")
    _manual_event(EventKind.CREATED, new, [citizen], [new], len(chosen), reason)
    _manual_event(EventKind.SPLIT, citizen, [citizen], [citizen, new], len(chosen), reason)
    golden_records_rebuild(citizen_pks=[citizen.pk, new.pk])
    _audit(acting_user, "people.citizen.split", "people.Citizen", citizen.citizen_id)
    _audit(acting_user, "people.citizen.created", "people.Citizen", new.citizen_id)
    return new


@transaction.atomic
def review_pair_decide(
    *, acting_user: User, pair: ReviewPair, decision: ReviewDecision | str, reason: str = ""
) -> ReviewPair:
    """Record a reviewer's decision; match and not-match bind every later linkage run, skip leaves it open."""
    decision = ReviewDecision(decision)
    if decision == ReviewDecision.PENDING:
        raise CitizenChangeError("A decision is match, not match or skip.")
    pair.decision, pair.reason, pair.decided_at = decision, reason, timezone.now()
    pair.full_clean()
    pair.save(update_fields=["decision", "reason", "decided_at"])
    _audit(acting_user, "people.review_pair.decided", "people.ReviewPair", pair.pk, reason=str(decision))
    return pair


# ---------------------------------------------------------------------------------------------
# Data quality (quality.py has the definitions)


class DataQualityError(Exception):
    """A data quality change that cannot be made as asked; the message says why."""


@transaction.atomic
def source_system_asset_set(*, source: SourceSystem, asset_name: str, acting_user: User | None = None) -> SourceSystem:
    """Say which information asset register entry describes this source (its standards and owner)."""
    source.asset_name = asset_name.strip()
    source.full_clean()
    source.save(update_fields=["asset_name"])
    _audit(acting_user, "people.source_system.asset_set", "people.SourceSystem", source.pk)
    return source


@transaction.atomic
def data_quality_measure(
    *, run: LinkageRun | None = None, acting_user: User | None = None
) -> list[DataQualitySnapshot]:
    """Measure every source after a load or linkage run: store a snapshot each and bring the issues up to date.

    Problems found that have no open issue get one; open issues no longer found are
    closed as corrected at source (corrected_at now, not manually). Run it after
    `linkage_run`, since duplicates and conflicts are found through citizens.
    """
    now = timezone.now()
    sources = list(SourceSystem.objects.order_by("pk"))
    rules = {s.pk: catalogue.standards_for_asset(s.asset_name) if s.asset_name else {} for s in sources}
    rows = (
        quality.Row(pk, source, citizen, dict(zip(PERSON_FIELDS, values, strict=True)))
        for pk, source, citizen, *values in SourceRecord.objects.filter(deleted_at__isnull=True)
        .values_list("pk", "source_system_id", "citizen_id", *PERSON_FIELDS)
        .iterator(chunk_size=_BATCH)
    )
    figures, found = quality.measure(rows, rules, [s.pk for s in sources])
    open_issues = {
        (kind, record, name): pk
        for pk, kind, record, name in DataQualityIssue.objects.filter(corrected_at__isnull=True).values_list(
            "pk", "kind", "record_id", "field"
        )
    }
    keys = {problem.key for problem in found}
    DataQualityIssue.objects.bulk_create(
        [
            DataQualityIssue(
                kind=p.kind,
                source_id=p.source,
                record_id=p.record,
                citizen_id=p.citizen,
                field=p.field,
                detail=p.detail,
                detected_at=now,
            )
            for p in found
            if p.key not in open_issues
        ],
        batch_size=_BATCH,
    )
    gone = sorted(pk for key, pk in open_issues.items() if key not in keys)
    for chunk in _chunks(gone):
        DataQualityIssue.objects.filter(pk__in=chunk).update(corrected_at=now, corrected_manually=False)
    issue_counts: dict[int, tuple[int, int]] = {
        source: (open_, corrected)
        for source, open_, corrected in DataQualityIssue.objects.values("source_id")
        .annotate(
            open=models.Count("pk", filter=models.Q(corrected_at__isnull=True)),
            corrected=models.Count("pk", filter=models.Q(corrected_at__isnull=False)),
        )
        .values_list("source_id", "open", "corrected")
    }
    loaded = dict(
        LoadBatch.objects.filter(status=LoadStatus.LOADED)
        .values("source_id")
        .annotate(last=models.Max("finished_at"))
        .values_list("source_id", "last")
    )
    snapshots = DataQualitySnapshot.objects.bulk_create(
        [
            DataQualitySnapshot(
                source=source,
                run=run,
                measured_at=now,
                records=figures[source.pk].records,
                completeness=figures[source.pk].completeness,
                validity=figures[source.pk].validity,
                duplicates=figures[source.pk].duplicates,
                conflicts=figures[source.pk].conflicts,
                last_loaded_at=loaded.get(source.pk),
                issues_open=issue_counts.get(source.pk, (0, 0))[0],
                issues_corrected=issue_counts.get(source.pk, (0, 0))[1],
            )
            for source in sources
        ]
    )
    _audit(
        acting_user, "people.data_quality.measured", "people.DataQualitySnapshot", snapshots[0].pk if snapshots else 0
    )
    return snapshots


@transaction.atomic
def data_quality_issue_correct(*, acting_user: User, issue: DataQualityIssue) -> DataQualityIssue:
    """A steward says the problem is fixed; if the next measurement still finds it, a new issue opens."""
    locked = DataQualityIssue.objects.select_for_update().get(pk=issue.pk)
    if locked.corrected_at is not None:
        raise DataQualityError("This issue is already marked corrected.")
    locked.corrected_at, locked.corrected_manually = timezone.now(), True
    locked.save(update_fields=["corrected_at", "corrected_manually"])
    _audit(acting_user, "people.data_quality_issue.corrected", "people.DataQualityIssue", locked.pk)
    return locked


# ---------------------------------------------------------------------------------------------
# MyAccount holders linked to their citizen (account_link.py has the matching rule)


@transaction.atomic
def account_citizen_link(
    *,
    acting_user: User | None,
    user: User,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None,
    postcode: str,
    address_lines: Sequence[str],
    verified_by: str,
) -> AccountCitizenLink:
    """Link a just-verified account to the one citizen whose golden record matches it, or record why not.

    Called by MyAccount once the account's identity is verified (`verified_by` is how),
    never before: matching alone proves nothing. Ambiguous or no match links nobody.
    Audited against the account, so the resident's own data download lists it.
    """
    facts = account_link.AccountFacts(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
        address_lines=tuple(address_lines),
    )
    candidates = []
    if facts.complete:
        golden = GoldenRecord.objects.filter(
            date_of_birth=facts.date_of_birth, citizen__status=CitizenStatus.ACTIVE
        ).order_by("citizen_id")
        candidates = [
            account_link.Candidate(
                citizen_pk=g.citizen_id,
                given_name=g.given_name,
                surname=g.surname,
                date_of_birth=g.date_of_birth,
                address_line_1=g.address_line_1,
                postcode=g.postcode,
            )
            for g in golden
            if g.date_of_birth is not None
        ]
    found = account_link.matches(facts, candidates)
    citizen_pk, score = next(iter(found.items())) if len(found) == 1 else (None, 0.0)
    if citizen_pk is not None:
        outcome = AccountLinkOutcome.LINKED
    elif found:
        outcome = AccountLinkOutcome.AMBIGUOUS
    else:
        outcome = AccountLinkOutcome.NOT_FOUND
    link, _created = AccountCitizenLink.objects.update_or_create(
        user=user,
        defaults={
            "outcome": outcome,
            "citizen_id": citizen_pk,
            "linked_at": timezone.now(),
            "method": f"{verified_by}: {account_link.MATCHED_ON}"[:100],
            "score": score,
            "candidates": min(len(found), 32767),
        },
    )
    citizen_ref = link.citizen.citizen_id if link.citizen is not None else ""
    audit_record(
        actor=acting_user,
        action=f"people.account_link.{outcome}",
        object_type="accounts.user",
        object_id=user.pk,
        reason=citizen_ref or f"{len(found)} citizens matched",
    )
    return link


def account_golden_record_view(*, acting_user: User, user: User) -> selectors.AccountCouncilRecord:
    """The golden record an account is linked to, for the staff single view; showing it is audited."""
    record = selectors.account_council_record(user=user)
    if record.golden is not None and record.citizen is not None:
        citizen_index_viewed(acting_user=acting_user, object_type="GoldenRecord", object_id=record.citizen.citizen_id)
    return record
