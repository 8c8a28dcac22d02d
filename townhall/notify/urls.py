"""The outbound message pages, mounted at /staff/notify/ (inside the MFA-guarded staff area)."""

from django.urls import path

from townhall.notify import views

urlpatterns = [
    path("", views.message_list, name="notify_message_list"),
    path("<int:message_id>/", views.message_detail, name="notify_message_detail"),
    path("<int:message_id>/resend/", views.message_resend, name="notify_message_resend"),
]
