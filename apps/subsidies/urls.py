from django.urls import path

from apps.subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_create, name="create"),
    path("open/", views.programmes_open, name="open"),
    path("queue/", views.review_queue, name="queue"),
    path("notice/", views.notice_list, name="notice"),
    path("notice/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/rules/", views.programme_rule_add, name="programme_rule_add"),
    path("programmes/<int:pk>/allocations/", views.programme_allocations, name="programme_allocations"),
    path("programmes/<int:pk>/publish/", views.programme_publish, name="programme_publish"),
    path("programmes/<int:pk>/close/", views.programme_close, name="programme_close"),
    path("programmes/<int:pk>/budget/", views.programme_budget, name="programme_budget"),
    path("programmes/<int:pk>/export.xlsx", views.programme_export, name="programme_export"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/", views.application_edit, name="edit"),
    path("<int:pk>/files/", views.application_file_add, name="file_add"),
    path("<int:pk>/files/<int:file_pk>/", views.application_file, name="file"),
    path("<int:pk>/objections/<int:objection_pk>/", views.objection_resolve, name="objection_resolve"),
    path("<int:pk>/<slug:action>/", views.application_action, name="action"),
]
