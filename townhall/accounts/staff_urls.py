from django.urls import path

from townhall.accounts import views

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
]
