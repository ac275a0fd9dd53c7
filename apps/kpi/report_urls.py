from django.urls import path

from apps.kpi import report_views

app_name = "kpi_reports"
urlpatterns = [
    path("", report_views.index, name="index"),
    path("<int:pk>/", report_views.detail, name="detail"),
    path("<int:pk>/download/", report_views.download, name="download"),
    path("<int:pk>/reissue/", report_views.reissue, name="reissue"),
]
