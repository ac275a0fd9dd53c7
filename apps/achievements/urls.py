from django.urls import path

from apps.achievements import views

app_name = "achievements"
urlpatterns = [
    path("", views.achievement_index, name="index"),
    path("mine/", views.my_listings, name="mine"),
    path("review/", views.review_queue, name="review"),
    # Achievements
    path("achievements/", views.achievement_list, name="list"),
    path("achievements/new/", views.achievement_create, name="create"),
    path("achievements/<int:pk>/", views.achievement_detail, name="detail"),
    path("achievements/<int:pk>/edit/", views.achievement_edit, name="edit"),
    path("achievements/<int:pk>/matches/", views.achievement_matches, name="matches"),
    path("achievements/<int:pk>/interest/", views.achievement_express, name="express"),
    path("achievements/<int:pk>/files/", views.achievement_file_add, name="file_add"),
    path("achievements/<int:pk>/files/<int:file_pk>/", views.achievement_file, name="file"),
    path("achievements/<int:pk>/actions/<slug:action>/", views.achievement_action, name="action"),
    # Technology needs
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/matches/", views.need_matches, name="need_matches"),
    path("needs/<int:pk>/files/", views.need_file_add, name="need_file_add"),
    path("needs/<int:pk>/files/<int:file_pk>/", views.need_file, name="need_file"),
    path("needs/<int:pk>/actions/<slug:action>/", views.need_action, name="need_action"),
    path("files/<int:pk>/remove/", views.file_remove, name="file_remove"),
    # Deals
    path("deals/", views.deal_list, name="deals"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/actions/<slug:action>/", views.deal_action, name="deal_action"),
    # Subscriptions and notifications
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/new/", views.subscription_create, name="subscription_create"),
    path("subscriptions/<int:pk>/edit/", views.subscription_edit, name="subscription_edit"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
