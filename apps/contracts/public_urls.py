from django.urls import path

from apps.contracts import public_views

app_name = "verify"

urlpatterns = [
    path("", public_views.verify_form, name="form"),
    path("<str:code>/", public_views.verify, name="certificate"),
]
