"""/account/: the resident's own account. Every view here reads only the signed-in person's records."""

from django.urls import path

from townhall.myaccount.views import account, data_rights, identity, representation

app_name = "myaccount"

urlpatterns = [
    path("", account.dashboard, name="dashboard"),
    path("timeline/", account.timeline, name="timeline"),
    path("timeline/feed/", account.feed_settings, name="feed_settings"),
    path("timeline/suggestion/<str:reference>/", account.suggestion, name="suggestion"),
    path("timeline/notice/<int:notice_id>/", account.suggestion_notice, name="suggestion_notice"),
    path("messages/", account.inbox, name="messages"),
    path("messages/<int:message_id>/", account.message, name="message"),
    path("messages/<int:message_id>/download/", account.message_download, name="message_download"),
    path("messages/<int:message_id>/pdf/", account.message_pdf, name="message_pdf"),
    path("details/", account.details, name="details"),
    path("details/address/", account.address, name="address"),
    path("preferences/", account.preferences, name="preferences"),
    path("consent/", account.consents, name="consents"),
    path("volunteering/", account.volunteering, name="volunteering"),
    path("identity/", identity.identity, name="identity"),
    path("representatives/", representation.representatives, name="representatives"),
    path(
        "representatives/<int:representation_id>/end/", representation.representation_revoke, name="representation_end"
    ),
    path("act-for/<int:represented_id>/", representation.act_for, name="act_for"),
    path("act-for/stop/", representation.act_for_stop, name="act_for_stop"),
    # -- data rights (subject access download, erasure): views/data_rights.py --
    path("your-data/", data_rights.data, name="data"),
    path("your-data/<int:export_id>/download/", data_rights.data_download, name="data_download"),
    path("your-data/erase/", data_rights.erase, name="erase"),
    path("your-data/council-records/", data_rights.subject_access, name="subject_access"),
    path(
        "your-data/council-records/<int:request_id>/download/",
        data_rights.subject_access_download,
        name="subject_access_download",
    ),
]
