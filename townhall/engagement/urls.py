"""/have-your-say/: consultations for everyone."""

from django.urls import path

from townhall.engagement import views

app_name = "engagement"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
    path("<slug:slug>/respond/", views.respond, name="respond"),
    path("<slug:slug>/response/<str:reference>/", views.response_detail, name="response"),
    path("<slug:slug>/results/", views.results, name="results"),
]
