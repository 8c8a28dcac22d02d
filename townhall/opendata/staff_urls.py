"""/staff/open-data/: the publishing back office (drafters, data stewards). Object URLs end with the dataset's id."""

from django.urls import path

from townhall.opendata import staff_views

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
]
