from django.urls import path

from apps.achievements import package_views

app_name = "achievements_packages"
urlpatterns = [
    path("", package_views.package_index, name="index"),
]
