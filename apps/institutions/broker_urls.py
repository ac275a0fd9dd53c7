from django.urls import path

from apps.institutions import broker_views

app_name = "institutions_brokers"

urlpatterns = [
    path("", broker_views.index, name="index"),
]
