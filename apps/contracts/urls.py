from django.urls import path

from apps.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_mine, name="mine"),
    path("queue/", views.contract_queue, name="queue"),
    path("search/", views.contract_search, name="search"),
    path("<int:pk>/", views.contract_detail, name="detail"),
]
