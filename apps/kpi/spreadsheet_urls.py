from django.urls import path

from apps.kpi import spreadsheet_views

app_name = "kpi_spreadsheets"
urlpatterns = [
    path("", spreadsheet_views.index, name="index"),
    path("download/<str:unit>/<int:year>/", spreadsheet_views.download, name="download"),
    path("upload/<str:unit>/<int:year>/", spreadsheet_views.upload, name="upload"),
]
