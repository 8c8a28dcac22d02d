"""Area alerts: email me about new public reports in a ward or near a postcode."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notify import services as notify
from townhall.places import selectors as place_selectors
from townhall.places.models import Ward
from townhall.service_requests import selectors
from townhall.service_requests.models import AreaAlert, Category
from townhall.service_requests.services._shared import Errors, error_add, site_url

AREA_ALERT_RADII_M = (250, 500, 1000, 2000)
AREA_ALERT_CONFIRM_MAX_AGE = dt.timedelta(days=7)
AREA_ALERT_DIGEST_LIMIT = 50  # reports listed in one email; the rest are counted and linked
# Unconfirmed sign-ups per address per day: the form cannot be used to flood someone's inbox.
AREA_ALERT_UNCONFIRMED_PER_DAY = 3
_ALERT_CONFIRM_SALT = "townhall.service_requests.area_alert.confirm"
_ALERT_UNSUBSCRIBE_SALT = "townhall.service_requests.area_alert.unsubscribe"


class AreaAlertTokenError(ValueError):
    """A confirmation or unsubscribe link that was altered, has expired, or names no alert."""


def area_alert_confirm_token(alert: AreaAlert) -> str:
    return signing.dumps(alert.pk, salt=_ALERT_CONFIRM_SALT)


def area_alert_unsubscribe_token(alert: AreaAlert) -> str:
    """Never expires: an alert email of any age must still unsubscribe in one click."""
    return signing.dumps(alert.pk, salt=_ALERT_UNSUBSCRIBE_SALT)


def _area_alert_from_token(token: str, *, salt: str, max_age: dt.timedelta | None) -> AreaAlert:
    try:
        alert_id = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature too
        raise AreaAlertTokenError(str(error)) from None
    alert = selectors.area_alert_get(alert_id=int(alert_id))
    if alert is None:
        raise AreaAlertTokenError("No such alert.")
    return alert


def area_alert_for_unsubscribe(*, token: str) -> AreaAlert:
    """The alert an unsubscribe link names (for the page that asks to confirm), or AreaAlertTokenError."""
    return _area_alert_from_token(token, salt=_ALERT_UNSUBSCRIBE_SALT, max_age=None)


def _area_alert_label(*, ward: Ward | None, radius_m: int | None, postcode: str, category: Category | None) -> str:
    where = f"in {ward.name} ward" if ward is not None else f"within {_distance_label(radius_m or 0)} of {postcode}"
    what = f"{category.name} reports" if category is not None else "New reports"
    return f"{what} {where}"


def _distance_label(metres: int) -> str:
    return f"{metres // 1000} km" if metres >= 1000 and metres % 1000 == 0 else f"{metres} m"


@transaction.atomic
def area_alert_create(
    *,
    email: str,
    user: User | None = None,
    ward: Ward | None = None,
    postcode: str = "",
    radius_m: int | None = None,
    category: Category | None = None,
) -> AreaAlert:
    """Sign someone up for an area alert (a ward, or a radius around a postcode) and email them to confirm it.

    Nothing is sent about reports until the emailed link is followed. Raises ValidationError
    keyed by field (`email`, `ward`, `postcode`, `radius_m`, `category`).
    """
    errors: Errors = {}
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        error_add(
            errors, "email", "Enter an email address in the correct format, like name@example.com", code="invalid"
        )
    if category is not None and not category.is_public:
        error_add(errors, "category", "Choose a kind of problem from the list", code="not_public")
    recent = AreaAlert.objects.filter(
        email=email, confirmed_at__isnull=True, created_at__gte=timezone.now() - dt.timedelta(days=1)
    )
    if "email" not in errors and recent.count() >= AREA_ALERT_UNCONFIRMED_PER_DAY:
        message = "We have already sent several confirmation emails to this address today. Use one of those links"
        error_add(errors, "email", message, code="too_many")
    centre: tuple[float, float] | None = None
    if ward is None:
        if radius_m not in AREA_ALERT_RADII_M:
            error_add(errors, "radius_m", "Choose how far from the postcode", code="invalid")
        try:
            postcode = place_selectors.postcode_normalise(postcode)
            centre = selectors.postcode_centre(postcode=postcode)
        except place_selectors.InvalidPostcodeError:
            if postcode.strip():
                error_add(errors, "postcode", "Enter a real postcode, like TS1 2AB", code="invalid")
            else:
                error_add(errors, "postcode", "Enter a postcode", code="required")
        else:
            if centre is None:
                error_add(
                    errors, "postcode", f"Enter a postcode in the area {_council_name()} looks after", code="unknown"
                )
    if errors:
        raise ValidationError(errors)
    alert = AreaAlert(
        email=email,
        user=user,
        ward=ward,
        centre_lat=centre[0] if centre else None,
        centre_lng=centre[1] if centre else None,
        radius_m=None if ward is not None else radius_m,
        label=_area_alert_label(ward=ward, radius_m=radius_m, postcode=postcode, category=category),
        category=category,
        created_at=timezone.now(),
    )
    alert.full_clean(exclude=["user", "ward", "category"], validate_constraints=False)
    alert.save(force_insert=True)
    link = site_url(reverse("public_reports:alert_confirm", args=[area_alert_confirm_token(alert)]))
    notify.email_enqueue(
        to=email,
        subject=f"Confirm your email alert: {alert.label}",
        text=render_to_string(
            "service_requests/emails/area_alert_confirm.txt",
            {"alert": alert, "link": link, "days": AREA_ALERT_CONFIRM_MAX_AGE.days, "council": _council_name()},
        ),
        idempotency_key=f"area_alert:{alert.pk}:confirm",
        related_type="service_requests.areaalert",
        related_id=alert.pk,
    )
    return alert


def _council_name() -> str:
    return str(settings.TOWNHALL_BRANDING.council_name)


@transaction.atomic
def area_alert_confirm(*, token: str, now: dt.datetime | None = None) -> AreaAlert:
    """Confirm an alert from its emailed link (valid for AREA_ALERT_CONFIRM_MAX_AGE); confirming twice is harmless.

    Reports are sent from the moment of confirmation, never older ones.
    """
    alert = _area_alert_from_token(token, salt=_ALERT_CONFIRM_SALT, max_age=AREA_ALERT_CONFIRM_MAX_AGE)
    alert = AreaAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.confirmed_at is None and alert.unsubscribed_at is None:
        alert.confirmed_at = now or timezone.now()
        alert.save(update_fields=["confirmed_at"])
    return alert


@transaction.atomic
def area_alert_unsubscribe(*, token: str, now: dt.datetime | None = None) -> AreaAlert:
    """Stop an alert from the link in any of its emails; unsubscribing twice is harmless."""
    alert = area_alert_for_unsubscribe(token=token)
    alert = AreaAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.unsubscribed_at is None:
        alert.unsubscribed_at = now or timezone.now()
        alert.save(update_fields=["unsubscribed_at"])
    return alert


def _area_alert_send_one(*, alert_id: int, now: dt.datetime) -> bool:
    """One alert's digest for the reports received since its last one; True when an email was enqueued.

    The alert row is locked, so two runs at once cannot send the same window twice, and the
    window's start names the email (idempotency key), so a retried run cannot either.
    """
    with transaction.atomic():
        alert = selectors.area_alerts_due().select_for_update().filter(pk=alert_id).first()
        if alert is None:
            return False
        since = alert.last_sent_at or alert.confirmed_at
        if since is None or since >= now:
            return False
        reports = selectors.area_alert_reports(alert=alert, since=since, until=now)
        alert.last_sent_at = now
        alert.save(update_fields=["last_sent_at"])
        if not reports:
            return False
        unsubscribe = site_url(reverse("public_reports:alert_unsubscribe", args=[area_alert_unsubscribe_token(alert)]))
        shown = [
            (report, site_url(reverse("report:track", args=[report.reference])))
            for report in reports[:AREA_ALERT_DIGEST_LIMIT]
        ]
        count = len(reports)
        notify.email_enqueue(
            to=alert.email,
            subject=f"{count} new report{'s' if count != 1 else ''}: {alert.label}",
            text=render_to_string(
                "service_requests/emails/area_alert_digest.txt",
                {
                    "alert": alert,
                    "reports": shown,
                    "more": count - len(shown),
                    "list_url": site_url(reverse("public_reports:list")),
                    "unsubscribe_url": unsubscribe,
                    "council": _council_name(),
                },
            ),
            idempotency_key=f"area_alert:{alert.pk}:digest:{since.timestamp():.6f}",
            unsubscribe_url=unsubscribe if unsubscribe.startswith("https://") else "",
            related_type="service_requests.areaalert",
            related_id=alert.pk,
        )
        return True


def area_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Email every confirmed alert the new public reports in its area since its last email; return emails sent.

    Run it regularly (`townhall alerts send`, e.g. every 15 minutes from cron or a systemd
    timer). Each alert is its own transaction, so one failure does not hold back the rest.
    """
    now = now or timezone.now()
    alert_ids = list(selectors.area_alerts_due().values_list("pk", flat=True))
    return sum(_area_alert_send_one(alert_id=alert_id, now=now) for alert_id in alert_ids)
