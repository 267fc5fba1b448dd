"""Account URLs (accounts:*): the account page (preferences, pronunciation list), sign-up (and
its mail's link), login, logout, password change and reset."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("preferences/", views.save_preferences, name="preferences"),
    path("email/", views.change_email, name="change_email"),
    path("delete/", views.delete_account, name="delete_account"),
    path("pronunciations/add/", views.add_pronunciation, name="add_pronunciation"),
    path("pronunciations/import/", views.import_pronunciations, name="import_pronunciations"),
    path("pronunciations.txt", views.export_pronunciations, name="export_pronunciations"),
    path(
        "pronunciations/<int:pk>/delete/", views.delete_pronunciation, name="delete_pronunciation"
    ),
    path("pronunciations/<int:pk>/say.mp3", views.say_pronunciation, name="say_pronunciation"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
