from django.urls import path

from apps.institutions import broker_views

app_name = "institutions_brokers"

urlpatterns = [
    path("", broker_views.index, name="index"),
    path("manage/", broker_views.manage, name="manage"),
    path("new/", broker_views.create, name="create"),
    path("<int:pk>/", broker_views.detail, name="detail"),
    path("<int:pk>/training/", broker_views.training_add, name="training_add"),
    path("<int:pk>/active/", broker_views.set_active, name="set_active"),
]
