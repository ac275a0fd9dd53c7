from django.urls import path

from apps.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_mine, name="mine"),
    path("new/", views.contract_create, name="create"),
    path("validate/", views.contract_validate, name="validate"),
    path("queue/", views.contract_queue, name="queue"),
    path("search/", views.contract_search, name="search"),
    path("statistics/", views.contract_statistics, name="statistics"),
    path("import/", views.contract_import, name="import"),
    path("offices/", views.office_list, name="offices"),
    path("offices/new/", views.office_edit, name="office_create"),
    path("offices/<int:pk>/", views.office_edit, name="office_edit"),
    path("import/<int:pk>/", views.contract_import_job, name="import_job"),
    path("import/<int:pk>/errors.csv", views.contract_import_report, name="import_report"),
    path("exports/", views.contract_export_list, name="exports"),
    path("exports/new/", views.contract_export_create, name="export_create"),
    path("exports/<int:pk>/", views.contract_export_detail, name="export"),
    path("exports/<int:pk>/download/", views.contract_export_download, name="export_download"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/validate/", views.contract_validate, name="validate_existing"),
    path("<int:pk>/attachment/", views.contract_attachment, name="attachment"),
    path("<int:pk>/incomes/<int:income_pk>/<slug:decision>/", views.income_decide, name="income_decide"),
    path("<int:pk>/<slug:action>/", views.contract_action, name="action"),
]
