from django.urls import path

from townhall.accounts import views

urlpatterns = [
    path("", views.account_overview, name="account_overview"),
]
