"""/feeds/account/<secret>/: the resident's private timeline feed (see feeds.py)."""

from django.urls import path
from django.views.decorators.cache import never_cache

from townhall.myaccount.feeds import TimelineFeed

urlpatterns = [
    path("<str:token>/", never_cache(TimelineFeed()), name="myaccount_feed"),
]
