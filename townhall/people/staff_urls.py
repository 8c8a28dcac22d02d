"""/staff/citizen-index/: the index overview, the clerical review queue and citizens (data stewards; IG read only)."""

from django.urls import path, register_converter

from townhall.people import quality_views, views


class CitizenIdConverter:
    """CIT- and three groups of four Crockford base-32 characters (services._new_citizen_id)."""

    regex = r"CIT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CitizenIdConverter, "citizen_id")

app_name = "people_staff"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pair_id>/", views.review_pair, name="review_pair"),
    path("citizens/<citizen_id:citizen_id>/", views.citizen_detail, name="citizen"),
    path("citizens/merge/<citizen_id:citizen_id>/", views.citizen_merge, name="citizen_merge"),
    path("citizens/split/<citizen_id:citizen_id>/", views.citizen_split, name="citizen_split"),
]

# Data quality (quality_views.py)
urlpatterns += [
    path("quality/", quality_views.dashboard, name="quality"),
    path("quality/issues/", quality_views.issues, name="quality_issues"),
    path("quality/issues/<int:issue_id>/", quality_views.issue_detail, name="quality_issue"),
    path("quality/issues/<int:issue_id>/correct/", quality_views.issue_correct, name="quality_issue_correct"),
]
