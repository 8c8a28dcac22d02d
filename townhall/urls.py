"""The doors into Townhall (see DESIGN.md "Doors"). Each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

from townhall.accounts.admin_site import restrict_admin_to_superusers

restrict_admin_to_superusers(admin.site)

urlpatterns = [
    path("", include("townhall.web.urls")),
    path("auth/", include("allauth.urls")),
    path("account/api-tokens/", include("townhall.opendata.account_urls")),
    path("account/", include("townhall.accounts.urls")),
    path("account/", include("townhall.myaccount.urls")),
    path("feeds/account/", include("townhall.myaccount.feed_urls")),
    path("report/", include("townhall.service_requests.urls")),
    path("reports/", include("townhall.service_requests.public_urls")),
    path("staff/audit/", include("townhall.audit.urls")),
    path("staff/notify/", include("townhall.notify.urls")),
    path("staff/catalogue/", include("townhall.service_requests.staff_urls")),
    path("open311/v2/", include("townhall.open311.urls")),
    path("staff/open311/", include("townhall.open311.staff_urls")),
    path("api/v1/", include("townhall.api.urls")),
    # The CKAN Action API: /api/3/action/<name> and /api/action/<name> (opendata).
    path("api/", include("townhall.opendata.ckan_urls")),
    path("dataset/", include("townhall.opendata.download_urls")),
    path("data/", include("townhall.opendata.public_urls")),
    # DCAT: /catalog.ttl|.jsonld|.rdf and /dataset/<name>.ttl|.jsonld|.rdf (opendata).
    path("", include("townhall.opendata.dcat_urls")),
    path("staff/open-data/uploads/", include("townhall.opendata.upload_urls")),
    path("staff/open-data/", include("townhall.opendata.staff_urls")),
    path("staff/information-assets/", include("townhall.catalogue.staff_urls")),
    path("staff/citizen-index/", include("townhall.people.staff_urls")),
    path("staff/insight/", include("townhall.insight.staff_urls")),
    path("performance/", include("townhall.insight.urls")),
    path("have-your-say/", include("townhall.engagement.urls")),
    path("staff/consultations/", include("townhall.engagement.staff_urls")),
    path("news/", include("townhall.notices.urls")),
    path("feeds/", include("townhall.notices.feed_urls")),
    path("staff/notices/", include("townhall.notices.staff_urls")),
    path("staff/requests/", include("townhall.service_requests.backoffice_urls")),
    path("bin-collections/", include("townhall.waste.urls")),
    path("staff/bin-collections/", include("townhall.waste.staff_urls")),
    path("staff/", include("townhall.myaccount.staff_urls")),
    path("staff/", include("townhall.accounts.staff_urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = "townhall.web.views.error_403"
handler404 = "townhall.web.views.error_404"
handler500 = "townhall.web.views.error_500"
