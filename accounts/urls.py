"""Sign-in and access: allauth's pages under /accounts/ (the login and logout URL names kept
for the rest of the dashboard), signing out everywhere, and the access page for IT admins."""

from allauth.account import views as allauth_views
from django.urls import include, path

from accounts import views

urlpatterns = [
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/security/", views.security, name="account_security"),
    path("accounts/", include("allauth.urls")),
]
