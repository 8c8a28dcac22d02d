"""Atom feeds of current council notices: all of them, and one ward's (with borough-wide notices)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from townhall.notices import selectors
from townhall.notices.constants import FEED_SIZE
from townhall.notices.models import Notice
from townhall.places.models import Ward


class NoticesFeed(Feed[Notice, Ward | None]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> Ward | None:
        code = kwargs.get("gss_code")
        if code is None:
            return None
        ward = next((ward for ward in selectors.notice_wards() if ward.code == code), None)
        if ward is None:
            raise Http404("Page not found")
        return ward

    def title(self, obj: Ward | None) -> str:
        place = f"{obj.name} ward" if obj is not None else "the whole borough"
        return f"{settings.TOWNHALL_BRANDING.council_name}: news, events and service changes, {place}"

    def subtitle(self, obj: Ward | None) -> str:
        return "Local events, changes to council services and ward news, newest first."

    def link(self, obj: Ward | None) -> str:
        url = reverse("notices:list")
        return f"{url}?ward={obj.code}" if obj is not None else url

    def author_name(self) -> str:
        return str(settings.TOWNHALL_BRANDING.council_name)

    def items(self, obj: Ward | None) -> list[Notice]:
        return list(selectors.notices_public(ward=obj)[:FEED_SIZE])

    def item_title(self, item: Notice) -> str:
        return f"{item.get_kind_display()}: {item.title}"

    def item_description(self, item: Notice) -> str:
        return item.summary

    def item_link(self, item: Notice) -> str:
        return reverse("notices:detail", args=[item.pk])

    def item_pubdate(self, item: Notice) -> dt.datetime | None:
        return item.publish_at

    def item_updateddate(self, item: Notice) -> dt.datetime:
        return max(item.updated_at, item.publish_at) if item.publish_at else item.updated_at

    def item_categories(self, item: Notice) -> list[str]:
        return [item.get_kind_display(), *([item.category_group.name] if item.category_group else [])]
