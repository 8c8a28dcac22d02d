"""/staff/: the back office. StaffAreaMiddleware guards every path here (signed in, staff, MFA)."""

from django.urls import path

from townhall.accounts import views

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
    path("residents/", views.staff_resident_search, name="staff_resident_search"),
    path("residents/<int:pk>/", views.staff_resident_detail, name="staff_resident_detail"),
    path("residents/verify-identity/<int:pk>/", views.staff_resident_identity, name="staff_resident_identity"),
    path(
        "residents/authorise-representative/<int:pk>/",
        views.staff_resident_representative,
        name="staff_resident_representative",
    ),
]
