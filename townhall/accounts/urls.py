"""/account/: the signed-in person's own account (allauth's pages are under /auth/)."""

from django.urls import path

from townhall.accounts import views

urlpatterns = [
    path("security/", views.account_overview, name="account_overview"),
    path("security/sign-in-history/", views.sign_in_history, name="account_sign_in_history"),
    path("delete/", views.account_delete, name="account_delete"),
    path("delete/done/", views.account_delete_done, name="account_delete_done"),
]
