"""Atom feeds of new public reports: all, per ward (GSS code) and per category (service code).

Items carry only the public fields the list shows (category, street, ward, status, dates,
reference) and link to the tracking page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from townhall.places.models import Ward
from townhall.service_requests import selectors
from townhall.service_requests.models import Category, ServiceRequest
from townhall.service_requests.public_views import report_title
from townhall.service_requests.report_views import public_status_label

FEED_SIZE = 50


@dataclass(frozen=True)
class FeedScope:
    ward: Ward | None = None
    category: Category | None = None

    @property
    def name(self) -> str:
        if self.ward is not None:
            return f"{self.ward.name} ward"
        if self.category is not None:
            return self.category.name
        return "all areas"


class ReportsFeed(Feed[ServiceRequest, FeedScope]):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> FeedScope:
        return FeedScope()

    def title(self, obj: FeedScope) -> str:
        return f"{settings.TOWNHALL_BRANDING.council_name}: new reports, {obj.name}"

    def subtitle(self, obj: FeedScope) -> str:
        return "Problems reported to the council, newest first. Personal details are never published."

    def link(self, obj: FeedScope) -> str:
        url = reverse("public_reports:list")
        if obj.ward is not None:
            return f"{url}?ward={obj.ward.code}"
        if obj.category is not None:
            return f"{url}?category={obj.category.service_code}"
        return url

    def author_name(self) -> str:
        return str(settings.TOWNHALL_BRANDING.council_name)

    def items(self, obj: FeedScope) -> list[ServiceRequest]:
        return list(selectors.public_reports(ward=obj.ward, category=obj.category)[:FEED_SIZE])

    def item_title(self, item: ServiceRequest) -> str:
        return f"{report_title(item)} ({item.reference})"

    def item_description(self, item: ServiceRequest) -> str:
        return f"Status: {public_status_label(item.status)}. Ward: {item.ward.name}. Reference: {item.reference}."

    def item_link(self, item: ServiceRequest) -> str:
        return reverse("report:track", args=[item.reference])

    def item_pubdate(self, item: ServiceRequest) -> dt.datetime:
        return item.received_at

    def item_updateddate(self, item: ServiceRequest) -> dt.datetime:
        return item.updated_at

    def item_categories(self, item: ServiceRequest) -> list[str]:
        return [item.category.name]


class WardReportsFeed(ReportsFeed):
    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> FeedScope:
        ward = selectors.ward_by_code(code=str(kwargs["gss_code"]))
        if ward is None:
            raise Http404("No such ward")
        return FeedScope(ward=ward)


class CategoryReportsFeed(ReportsFeed):
    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> FeedScope:
        category = selectors.category_public_by_code(service_code=str(kwargs["service_code"]))
        if category is None:
            raise Http404("No such category")
        return FeedScope(category=category)
