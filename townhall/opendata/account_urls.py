"""/account/api-tokens/: a data steward's own CKAN API tokens."""

from django.urls import path

from townhall.opendata import account_views

urlpatterns = [
    path("", account_views.api_tokens, name="opendata_api_tokens"),
    path("<uuid:token_id>/revoke/", account_views.api_token_revoke, name="opendata_api_token_revoke"),
]
