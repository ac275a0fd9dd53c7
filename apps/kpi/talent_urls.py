from django.urls import path

from apps.kpi import talent_views

app_name = "kpi_talent"
urlpatterns = [
    path("", talent_views.report, name="report"),
]
