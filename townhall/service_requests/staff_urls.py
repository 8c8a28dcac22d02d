"""/staff/catalogue/: the service catalogue editor (administrators). Object URLs end with the object's id."""

from django.urls import path

from townhall.service_requests import views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("groups/new/", views.group_create, name="catalogue_group_create"),
    path("groups/<int:pk>/", views.group_edit, name="catalogue_group"),
    path("categories/new/", views.category_create, name="catalogue_category_create"),
    path("categories/<int:pk>/", views.category_edit, name="catalogue_category"),
    path("questions/new/", views.question_create, name="catalogue_question_create"),
    path("questions/<int:pk>/", views.question_edit, name="catalogue_question"),
    path("routing/new/", views.routing_rule_create, name="catalogue_routing_rule_create"),
    path("routing/<int:pk>/", views.routing_rule_edit, name="catalogue_routing_rule"),
]
