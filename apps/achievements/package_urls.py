from django.urls import path

from apps.achievements import package_views as views

app_name = "achievements_packages"
urlpatterns = [
    path("", views.package_index, name="index"),
    path("manage/", views.package_manage, name="manage"),
    path("new/", views.package_create, name="create"),
    path("<int:pk>/", views.package_detail, name="detail"),
    path("<int:pk>/edit/", views.package_edit, name="edit"),
    path("<int:pk>/items/", views.package_items, name="items"),
    path("<int:pk>/export.xlsx", views.package_export, name="export"),
    path("<int:pk>/<slug:action>/", views.package_action, name="action"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/editions/", views.catalogue_editions, name="editions"),
    path("catalogue/editions/new/", views.edition_create, name="edition_create"),
    path("catalogue/editions/<int:pk>/", views.edition_detail, name="edition"),
    path("catalogue/editions/<int:pk>/edit/", views.edition_edit, name="edition_edit"),
    path("catalogue/editions/<int:pk>/export.xlsx", views.edition_export, name="edition_export"),
    path("catalogue/editions/<int:pk>/entries/new/", views.entry_form, name="entry_create"),
    path("catalogue/editions/<int:pk>/entries/<int:entry_pk>/", views.entry_form, name="entry_edit"),
    path("catalogue/editions/<int:pk>/entries/<int:entry_pk>/remove/", views.entry_remove, name="entry_remove"),
    path("catalogue/editions/<int:pk>/<slug:action>/", views.edition_action, name="edition_action"),
]
