from django.urls import path

from apps.subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:pk>/", views.application_detail, name="detail"),
]
