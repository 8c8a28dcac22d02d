"""/feeds/notices.atom and /feeds/notices/ward/<GSS code>.atom (see feeds.py)."""

from django.urls import path

from townhall.notices.feeds import NoticesFeed

urlpatterns = [
    path("notices.atom", NoticesFeed(), name="notices_feed"),
    path("notices/ward/<str:gss_code>.atom", NoticesFeed(), name="notices_feed_ward"),
]
