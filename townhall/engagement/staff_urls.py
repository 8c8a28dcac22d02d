"""/staff/consultations/: running consultations. Every URL that names an object ends with its id."""

from django.urls import path

from townhall.engagement import staff_views as views

app_name = "staff_consultations"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_create, name="create"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("edit/<int:pk>/", views.consultation_edit, name="edit"),
    path("questions/<int:pk>/", views.consultation_questions, name="questions"),
    path("publish/<int:pk>/", views.consultation_publish, name="publish"),
    path("close/<int:pk>/", views.consultation_close, name="close"),
    path("withdraw/<int:pk>/", views.consultation_withdraw, name="withdraw"),
    path("outcome/<int:pk>/", views.consultation_outcome, name="outcome"),
    path("responses/<int:pk>/", views.responses_download, name="responses_csv"),
]
