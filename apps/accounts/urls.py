from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/two-factor/", views.login_two_factor, name="login_two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-up/done/", views.sign_up_done, name="sign_up_done"),
    path("profile/", views.profile, name="profile"),
    path("profile/api-token/<slug:action>/", views.api_token, name="api_token"),
    path("profile/two-factor/", views.two_factor_page, name="two_factor"),
    path("profile/two-factor/<slug:action>/", views.two_factor_action, name="two_factor_action"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:profile")
        ),
        name="password_change",
    ),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/pending/", views.organisation_pending, name="organisation_pending"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path(
        "organisations/<int:pk>/<slug:action>/",
        views.organisation_transition,
        name="organisation_transition",
    ),
]
