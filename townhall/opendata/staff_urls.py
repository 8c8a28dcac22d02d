"""/staff/open-data/: the publishing back office (drafters, data stewards). Object URLs end with the object's id."""

from django.urls import path

from townhall.opendata import organisation_views, staff_views

app_name = "opendata_staff"

urlpatterns = [
    path("", staff_views.dataset_list, name="list"),
    path("new/", staff_views.dataset_create, name="create"),
    path("<uuid:dataset_id>/", staff_views.dataset_detail, name="detail"),
    path("edit/<uuid:dataset_id>/", staff_views.dataset_edit, name="edit"),
    path("links/<uuid:dataset_id>/", staff_views.link_add, name="link_add"),
    path("submit/<uuid:dataset_id>/", staff_views.dataset_submit, name="submit"),
    path("review/<uuid:dataset_id>/", staff_views.dataset_review, name="review"),
    path("publish-now/<uuid:dataset_id>/", staff_views.publish_now, name="publish_now"),
    path("cancel-schedule/<uuid:dataset_id>/", staff_views.schedule_cancel, name="schedule_cancel"),
    path("withdraw/<uuid:dataset_id>/", staff_views.dataset_withdraw, name="withdraw"),
    path("restore/<uuid:dataset_id>/", staff_views.dataset_restore, name="restore"),
    path("history/<uuid:dataset_id>/", staff_views.dataset_history, name="history"),
    # Publishers and themes (data stewards): organisation_views.py.
    path("publishers/", organisation_views.publisher_list, name="publishers"),
    path("publishers/new/", organisation_views.publisher_create, name="publisher_create"),
    path("publishers/edit/<uuid:publisher_id>/", organisation_views.publisher_edit, name="publisher_edit"),
    path("themes/", organisation_views.theme_list, name="themes"),
    path("themes/new/", organisation_views.theme_create, name="theme_create"),
    path("themes/edit/<uuid:theme_id>/", organisation_views.theme_edit, name="theme_edit"),
]
