"""/staff/catalogue/: the service catalogue editor (administrators). Object URLs end with the object's id."""

from django.urls import path

from townhall.service_requests import backoffice_request_views, catalogue_webhook_views, views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("groups/new/", views.group_create, name="catalogue_group_create"),
    path("groups/<int:pk>/", views.group_edit, name="catalogue_group"),
    path("categories/new/", views.category_create, name="catalogue_category_create"),
    path("categories/<int:pk>/", views.category_edit, name="catalogue_category"),
    path("webhooks/<int:pk>/", catalogue_webhook_views.category_webhooks, name="catalogue_category_webhooks"),
    path(
        "webhooks/<int:pk>/<int:hook_id>/",
        catalogue_webhook_views.category_webhook_remove,
        name="catalogue_category_webhook_remove",
    ),
    path("questions/new/", views.question_create, name="catalogue_question_create"),
    path("questions/<int:pk>/", views.question_edit, name="catalogue_question"),
    path("routing/new/", views.routing_rule_create, name="catalogue_routing_rule_create"),
    path("routing/<int:pk>/", views.routing_rule_edit, name="catalogue_routing_rule"),
    path("templates/", backoffice_request_views.template_list, name="catalogue_response_templates"),
    path("templates/new/", backoffice_request_views.template_create, name="catalogue_response_template_create"),
    path("templates/<int:pk>/", backoffice_request_views.template_edit, name="catalogue_response_template"),
]
