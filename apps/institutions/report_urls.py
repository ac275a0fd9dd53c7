from django.urls import path

from apps.institutions import report_views

app_name = "institutions_reports"

urlpatterns = [
    path("", report_views.index, name="index"),
]
