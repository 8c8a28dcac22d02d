"""/staff/requests/: the back-office queue and request pages. Object URLs end with the object's id."""

from django.urls import path

from townhall.service_requests import (
    assisted_views,
    backoffice_queue_views,
    backoffice_request_views,
    backoffice_views,
)

request_views = backoffice_request_views

urlpatterns = [
    path("", backoffice_queue_views.queue, name="backoffice_queue"),
    path("bulk/", backoffice_queue_views.queue_bulk, name="backoffice_queue_bulk"),
    path("map/", backoffice_queue_views.queue_map, name="backoffice_queue_map"),
    path("map/wards.geojson", backoffice_queue_views.queue_map_wards, name="backoffice_queue_map_wards"),
    path("filters/", backoffice_queue_views.saved_filter_create, name="backoffice_saved_filter_create"),
    path("filters/<int:pk>/", backoffice_queue_views.saved_filter_edit, name="backoffice_saved_filter"),
    path("new/", assisted_views.start, name="assisted_start"),
    path("new/done/<int:pk>/", assisted_views.confirmation, name="assisted_confirmation"),
    path("new/<str:step>/<int:draft_id>/", assisted_views.step, name="assisted_step"),
    path("<int:pk>/", backoffice_views.request_detail, name="backoffice_request"),
    path("<int:pk>/reporter/", backoffice_views.reporter_details, name="backoffice_request_reporter"),
    path("<int:pk>/status/", backoffice_views.status_change, name="backoffice_request_status"),
    path("<int:pk>/assign/", backoffice_views.assign, name="backoffice_request_assign"),
    # The request page's actions (backoffice_request_views).
    path("<int:pk>/priority/", request_views.priority, name="backoffice_request_priority"),
    path("<int:pk>/updates/", request_views.staff_update, name="backoffice_request_update"),
    path("<int:pk>/question/", request_views.ask_reporter, name="backoffice_request_question"),
    path("<int:pk>/updates/<int:update_id>/", request_views.moderate_update, name="backoffice_request_update_moderate"),
    path("<int:pk>/status/template/", request_views.use_template, name="backoffice_request_template"),
    path("<int:pk>/merge/", request_views.merge, name="backoffice_request_merge"),
    path("<int:pk>/referral/", request_views.refer, name="backoffice_request_referral"),
    path("<int:pk>/documents/", request_views.document_upload, name="backoffice_request_documents"),
    path("<int:pk>/documents/<int:document_id>/", request_views.document, name="backoffice_request_document"),
    path("<int:pk>/sla/pause/", request_views.sla_pause, name="backoffice_request_sla_pause"),
    path("<int:pk>/sla/resume/", request_views.sla_resume, name="backoffice_request_sla_resume"),
    path("<int:pk>/sensitive/", request_views.sensitive, name="backoffice_request_sensitive"),
    path("<int:pk>/blocks/", request_views.block, name="backoffice_request_block"),
    path("<int:pk>/blocks/<int:block_id>/", request_views.block_lift, name="backoffice_request_block_lift"),
    path("moderation/<int:pk>/", request_views.moderate_description, name="backoffice_request_moderate"),
    path("<int:pk>/photos/<int:photo_id>/", request_views.photo_visibility, name="backoffice_request_photo"),
]
