"""Generate and clear the demo borough.

Everything is derived from (seed, scale, as_of): random streams are `random.Random`
instances seeded from them, never the global generator or the clock; `as_of` is the
"today" of the service request history (request_history.py). Generation runs in one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from tqdm import tqdm

from townhall.accounts import selectors as account_selectors
from townhall.accounts import services as account_services
from townhall.accounts.models import Team, User
from townhall.demo import names
from townhall.demo.bin_collections import demo_bin_collections_create
from townhall.demo.borough import plan_borough
from townhall.demo.citizen_index import demo_citizen_index_create
from townhall.demo.constants import (
    ADDRESS_TARGETS,
    ADDRESSES_PER_RESIDENT,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    DEMO_RESIDENTS,
    DEMO_STAFF,
    EXTRA_STAFF,
    RESIDENT_EMAIL_DOMAIN,
    Scale,
)
from townhall.demo.consultations import demo_consultations_create
from townhall.demo.credentials import demo_totp_secret
from townhall.demo.information_assets import demo_information_assets_create
from townhall.demo.models import DemoRun
from townhall.demo.notices import demo_notices_create
from townhall.demo.open_data import demo_open_data_create
from townhall.demo.request_history import request_history_create, request_history_target
from townhall.demo.selectors import demo_data_counts
from townhall.demo.service_requests import demo_catalogue_create
from townhall.insight import services as insight_services
from townhall.myaccount import selectors as myaccount_selectors
from townhall.myaccount import services as myaccount_services
from townhall.notify import selectors as notify_selectors
from townhall.notify import services as notify_services
from townhall.opendata import services as opendata_services
from townhall.places import services as place_services
from townhall.places.models import Address
from townhall.service_requests.models import CategoryGroup

# Apps whose rows belong to a council's instance and are wiped by --reset. Django's own
# bookkeeping (migrations, content types, permissions, cache, task queue) is left alone.
_CLEARED_APP_LABELS = ("accounts", "account", "mfa", "socialaccount", "admin", "sessions")
_TOWNHALL_MODULE = "townhall."
_NOT_EMAIL_WORD = re.compile(r"[^a-z]")


class DemoDataPresentError(Exception):
    """The database already holds data and the caller did not ask to reset it."""


@dataclass(frozen=True)
class DemoSummary:
    run: DemoRun
    wards: int
    streets: int
    addresses: int
    staff: int
    residents: int
    requests: int = 0


def _cleared_tables() -> list[str]:
    tables = []
    for config in apps.get_app_configs():
        if config.name.startswith(_TOWNHALL_MODULE) or config.label in _CLEARED_APP_LABELS:
            for model in config.get_models(include_auto_created=True):
                if model._meta.managed and not model._meta.proxy:
                    tables.append(model._meta.db_table)
    return sorted(set(tables))


@transaction.atomic
def demo_data_clear() -> None:
    """Delete every row in Townhall's own tables (and sign-in data), restarting id sequences.

    Restarting sequences makes a regenerated borough get the same database ids as a
    freshly migrated one. Sessions go too, so no old session outlives its user.
    """
    # PostgreSQL refuses to TRUNCATE tables with deferred foreign-key checks pending
    # from earlier writes in the same transaction; run those checks now.
    connection.check_constraints()
    statements = connection.ops.sql_flush(no_style(), _cleared_tables(), reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)
    # What migrate gives every install (the default consent purposes), as after a fresh migrate.
    myaccount_services.consent_defaults_ensure()
    opendata_services.licences_ensure()


@contextmanager
def _progress(*, total: int, description: str, enabled: bool) -> Iterator[tqdm]:
    with tqdm(total=total, desc=description, unit=" rows", disable=not enabled, leave=False) as bar:
        yield bar


def _email_word(text: str) -> str:
    return _NOT_EMAIL_WORD.sub("", text.lower())


def _staff_create(*, seed: int) -> int:
    teams = {team_name: account_services.team_get_or_create(name=team_name) for team_name in EXTRA_STAFF}
    people_rng = random.Random(f"townhall-demo:{seed}:staff")  # noqa: S311 (seeded on purpose: determinism)
    created = 0
    emails = {member.email for member in DEMO_STAFF}
    for member in DEMO_STAFF:
        _staff_member_create(
            seed=seed,
            email=member.email,
            given_name=member.given_name,
            family_name=member.family_name,
            role=member.role,
            team=teams[member.team],
            documented=True,
        )
        created += 1
    for team_name, wanted in EXTRA_STAFF.items():
        for role, count in wanted:
            for _ in range(count):
                given, family = people_rng.choice(names.GIVEN_NAMES), people_rng.choice(names.FAMILY_NAMES)
                local = f"{_email_word(given)}.{_email_word(family)}"
                email, suffix = f"{local}@{DEMO_EMAIL_DOMAIN}", 1
                while email in emails:
                    suffix += 1
                    email = f"{local}{suffix}@{DEMO_EMAIL_DOMAIN}"
                emails.add(email)
                _staff_member_create(
                    seed=seed,
                    email=email,
                    given_name=given,
                    family_name=family,
                    role=role,
                    team=teams[team_name],
                    documented=False,
                )
                created += 1
    return created


def _staff_member_create(
    *, seed: int, email: str, given_name: str, family_name: str, role: str, team: Team, documented: bool
) -> None:
    # Only the documented sign-ins get the demo password: hashing is deliberately slow,
    # and the other staff exist to fill teams and queues.
    user = account_services.staff_create(
        email=email,
        password=DEMO_PASSWORD if documented else None,
        roles=[role],
        teams=[team],
        given_name=given_name,
        family_name=family_name,
    )
    # Enrolled already, from a secret derived from the seed, so testers can sign in at once.
    account_services.staff_enrol_totp(user, secret=demo_totp_secret(seed=seed, email=email))


def _residents_create(*, seed: int, count: int, show_progress: bool) -> int:
    for resident in DEMO_RESIDENTS:
        account_services.user_create_resident(
            email=resident.email,
            password=DEMO_PASSWORD,
            given_name=resident.given_name,
            family_name=resident.family_name,
            email_verified=True,
        )
    rng = random.Random(f"townhall-demo:{seed}:residents")  # noqa: S311 (seeded on purpose: determinism)
    with _progress(total=count, description="Residents", enabled=show_progress) as bar:
        for number in range(1, count + 1):
            given, family = rng.choice(names.GIVEN_NAMES), rng.choice(names.FAMILY_NAMES)
            # Residents other than the documented ones sign in by emailed code only.
            account_services.user_create_resident(
                email=f"{_email_word(given)}.{_email_word(family)}.{number}@{RESIDENT_EMAIL_DOMAIN}",
                password=None,
                given_name=given,
                family_name=family,
                email_verified=True,
            )
            bar.update(1)
    return len(DEMO_RESIDENTS) + count


def _account_activity_create(*, seed: int, as_of: dt.date) -> None:
    """Spread residents' sign-ups over the three years of history, growing towards `as_of`, and give
    each some sign-in days, so the Insight account metrics have a realistic trend."""
    rng = random.Random(f"townhall-demo:{seed}:account-activity")  # noqa: S311 (seeded on purpose: determinism)
    history_days = 3 * 365
    residents = list(account_selectors.residents().order_by("pk"))
    sign_ins: list[tuple[int, dt.date]] = []
    for user in residents:
        # sqrt of a uniform number leans towards 1: more recent sign-ups, as take-up grows.
        joined = as_of - dt.timedelta(days=int(history_days * (1 - rng.random() ** 0.5)))
        user.date_joined = dt.datetime.combine(joined, dt.time(9 + rng.randrange(10)), tzinfo=dt.UTC)
        active_days = (as_of - joined).days
        for _ in range(rng.randrange(1, 2 + active_days // 30)):
            sign_ins.append((user.pk, joined + dt.timedelta(days=rng.randrange(active_days + 1))))
    User.objects.bulk_update(residents, ["date_joined"], batch_size=1000)
    insight_services.sign_in_days_add(days=sign_ins)


def _demo_accounts_fill(*, as_of: dt.date) -> None:
    """Give the documented demo residents a lived-in MyAccount: an address, preferences, a consent,
    and a welcome message, so `make run` shows a timeline and an inbox from the first sign-in."""
    addresses = list(Address.objects.order_by("uprn")[: len(DEMO_RESIDENTS)])
    groups = list(CategoryGroup.objects.order_by("order", "name")[:2])
    prefill = myaccount_selectors.consent_purposes()[0]
    text = myaccount_selectors.consent_current_text(purpose=prefill)
    for resident, address in zip(DEMO_RESIDENTS, addresses, strict=False):
        user = User.objects.get(email=resident.email)
        myaccount_services.address_change(
            acting_user=user, user=user, address=address, effective_from=as_of - dt.timedelta(days=2 * 365)
        )
        preferences = myaccount_services.preferences_update(
            acting_user=user,
            user=user,
            values=myaccount_services.PreferencesInput(
                channel="email",
                topics=frozenset({"service_updates", "ward_news"}),
                no_marketing=False,
                large_print=False,
                easy_read=False,
                british_sign_language=False,
                preferred_language="",
                personalised_timeline=True,
                interests=tuple(group.pk for group in groups),
            ),
        )
        if text is not None:
            myaccount_services.consent_decide(acting_user=user, user=user, text=text, given=True)
        notify_services.correspondence_send(
            recipient=preferences.user,
            subject="Welcome to your council account",
            text=(
                f"Dear {resident.given_name},\n\nYour account is ready. You can report problems, follow "
                "their progress, read every message we send you and choose how we contact you.\n"
            ),
            idempotency_key=f"demo:welcome:{user.pk}",
        )


@transaction.atomic
def demo_generate(
    *,
    scale: Scale | str = Scale.SMALL,
    seed: int,
    as_of: dt.date,
    reset: bool = False,
    show_progress: bool = False,
    history: bool = True,
) -> DemoSummary:
    """Generate the demo borough in an empty database (or, with `reset`, after clearing it).

    Raises DemoDataPresentError, having written nothing, when data is present and `reset` is false.
    With `history` (the default), three years of service requests up to `as_of` are added.
    """
    scale = Scale(scale)
    if reset:
        demo_data_clear()
    else:
        counts = demo_data_counts()
        if counts.users or counts.wards:
            raise DemoDataPresentError(
                f"The database already has data ({counts.users} users, {counts.wards} wards). "
                "Use --reset to delete it and generate the demo borough again."
            )
    outbox_before = notify_selectors.outbox_last_id()
    target = ADDRESS_TARGETS[scale]
    plan = plan_borough(seed=seed, addresses=target)
    wards = place_services.wards_create(wards=plan.ward_specs())
    streets = place_services.streets_create(streets=plan.streets)
    with _progress(total=len(plan.addresses), description="Addresses", enabled=show_progress) as bar:
        addresses = place_services.addresses_create(addresses=plan.addresses, on_batch=bar.update)
    staff = _staff_create(seed=seed)
    residents = _residents_create(seed=seed, count=target // ADDRESSES_PER_RESIDENT, show_progress=show_progress)
    demo_catalogue_create()
    demo_notices_create(seed=seed, as_of=as_of)  # council news, events and service changes (notices.py)
    requests = 0
    if history:  # three years of service requests up to `as_of` (request_history.py)
        total = request_history_target(scale)
        with _progress(total=total, description="Service requests", enabled=show_progress) as bar:
            requests = request_history_create(seed=seed, scale=scale, as_of=as_of, on_batch=bar.update)
    _demo_accounts_fill(as_of=as_of)
    _account_activity_create(seed=seed, as_of=as_of)
    insight_services.rollups_refresh(full=True)  # so the dashboards have figures straight away
    demo_open_data_create(seed=seed, as_of=as_of)  # after the rollups: request statistics come from them
    demo_information_assets_create(as_of=as_of)  # the asset register, published through the open data portal
    demo_citizen_index_create(seed=seed, scale=scale)  # four source systems' people, linked into citizens
    demo_consultations_create(seed=seed, as_of=as_of)  # have your say: open, upcoming and closed, with responses
    demo_bin_collections_create(seed=seed)  # a round per service in every ward, every address on them
    # Receipts and welcome messages belong to the generated past: recorded as sent, not sent at start-up.
    notify_services.outbox_record_as_history(after_id=outbox_before)
    run = DemoRun.objects.create(seed=seed, scale=scale, as_of=as_of)
    return DemoSummary(
        run=run,
        wards=len(wards),
        streets=streets,
        addresses=addresses,
        staff=staff,
        residents=residents,
        requests=requests,
    )
