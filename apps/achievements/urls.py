from django.urls import path

from apps.achievements import views

app_name = "achievements"
urlpatterns = [
    path("", views.achievement_index, name="index"),
]
