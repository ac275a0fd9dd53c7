from django.urls import path

from apps.institutions import views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("enter/", views.institution_enter, name="enter"),
    path("queue/", views.institution_queue, name="queue"),
    path("directory/", views.directory, name="directory"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.institution_action, name="action"),
]
