from django.urls import path

from apps.kpi import spreadsheet_views

app_name = "kpi_spreadsheets"
urlpatterns = [
    path("", spreadsheet_views.index, name="index"),
]
