"""/staff/information-assets/: the information asset register (every staff role reads; stewards edit).

Every URL that names an object ends with its id (`edit/7/`, not `7/edit/`).
"""

from django.urls import path

from townhall.catalogue import views

app_name = "information_assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("register.csv", views.export_csv, name="export_csv"),
    path("publish/", views.publish, name="publish"),
    path("new/", views.asset_create, name="create"),
    path("<int:pk>/", views.asset_detail, name="detail"),
    path("edit/<int:pk>/", views.asset_edit, name="edit"),
    path("history/<int:pk>/", views.asset_history, name="history"),
    path("review/<int:pk>/", views.asset_review, name="review"),
    path("reviews/", views.reviews_due, name="reviews_due"),
    path("graph/", views.relationship_graph, name="graph"),
    path("relationships/<int:pk>/", views.relationship_add, name="relationship_add"),
    path("relationships/remove/<int:pk>/", views.relationship_remove, name="relationship_remove"),
    path("rules/<int:pk>/", views.field_rule_add, name="field_rule_add"),
    path("rules/remove/<int:pk>/", views.field_rule_remove, name="field_rule_remove"),
    path("sharing/", views.agreement_list, name="agreements"),
    path("sharing/new/", views.agreement_create, name="agreement_create"),
    path("sharing/<int:pk>/", views.agreement_detail, name="agreement"),
    path("sharing/edit/<int:pk>/", views.agreement_edit, name="agreement_edit"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/new/", views.standard_create, name="standard_create"),
    path("standards/<int:pk>/", views.standard_detail, name="standard"),
    path("standards/edit/<int:pk>/", views.standard_edit, name="standard_edit"),
]
