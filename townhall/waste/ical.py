"""The iCalendar (RFC 5545) file of a property's collections, built with the `icalendar` package.

One all-day event per collection. Each event's UID is made from the UPRN, the round and
the usual date, so re-importing a newer file updates moved collections instead of
duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from townhall.waste.selectors import ServiceCollections

PRODUCT_ID = "-//Townhall//Bin collections//EN"


def collections_calendar(
    *, uprn: int, address: str, council: str, services: Sequence[ServiceCollections], stamp: dt.datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Bin collections: {address}")
    calendar.add("x-wr-caldesc", f"{council} collection days for {address}")
    for service in services:
        title = f"{service.service_name} collection"
        if service.subscription_note:
            title += f" ({service.subscription_note})"
        for collection in service.collections:
            event = Event()
            event.add("uid", f"{uprn}-{service.round_code}-{collection.usual_date:%Y%m%d}@bin-collections.townhall")
            event.add("dtstamp", stamp)
            event.add("dtstart", collection.date)
            event.add("dtend", collection.date + dt.timedelta(days=1))
            event.add("summary", title)
            description = f"{service.round_name}, {service.frequency}."
            if collection.reason:
                description = f"{collection.reason}. {description}"
            event.add("description", description)
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
