from django.urls import path

from apps.kpi import views

app_name = "kpi"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.unit_ranking, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("counties/<str:code>/", views.county_detail, name="county"),
]
