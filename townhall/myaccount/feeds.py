"""The private Atom feed of a resident's timeline, at a secret address they can revoke.

The address is the only credential (feed readers cannot sign in), so it is long, random,
stored only as a digest, and any address that is not a live one answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from townhall.accounts.models import User
from townhall.myaccount import selectors, services
from townhall.myaccount.selectors import TimelineItem

FEED_SIZE = 50


class TimelineFeed(Feed[TimelineItem, User]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> User:
        owner = selectors.timeline_feed_owner(token_digest=services.feed_token_digest(str(kwargs["token"])))
        if owner is None:
            raise Http404("Page not found")
        return owner

    def title(self, obj: User) -> str:
        return f"{settings.TOWNHALL_BRANDING.council_name}: your timeline"

    def subtitle(self, obj: User) -> str:
        return "Your reports, their updates and messages from the council. Keep this address private."

    def link(self, obj: User) -> str:
        return reverse("myaccount:timeline")

    def items(self, obj: User) -> list[TimelineItem]:
        return selectors.timeline_for(user=obj)[:FEED_SIZE]

    def item_title(self, item: TimelineItem) -> str:
        return item.title

    def item_description(self, item: TimelineItem) -> str:
        return f"{item.summary} {item.why}".strip()

    def item_link(self, item: TimelineItem) -> str:
        return item.url

    def item_guid(self, item: TimelineItem) -> str:
        # A tag URI (RFC 4151): stable for the item, and it names no person.
        return f"tag:townhall,2026:timeline/{item.key}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: TimelineItem) -> object:
        return item.at

    def item_updateddate(self, item: TimelineItem) -> object:
        return item.at
