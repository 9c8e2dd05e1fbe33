"""Sign-in and access: allauth's pages under /accounts/ (the login and logout URL names kept
for the rest of the dashboard), signing out everywhere, and the access page for IT admins."""

from allauth.account import views as allauth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import access_views, stepup, views

urlpatterns = [
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/security/", views.security, name="account_security"),
    path("accounts/step-up/sso/", stepup.sso_again, name="step_up_sso"),
    path("accounts/step-up/resume/", stepup.resume, name="step_up_resume"),
    # Email addresses come from IT (invitations) or the IdP, and SSO links are made at sign-in:
    # allauth's pages to change them are not offered (a changed email could be linked to
    # someone else's SSO identity).
    path("accounts/email/", RedirectView.as_view(pattern_name="account_security"), name="account_email"),
    path(
        "accounts/3rdparty/",
        RedirectView.as_view(pattern_name="account_security"),
        name="socialaccount_connections",
    ),
    path("accounts/", include("allauth.urls")),
    path("settings/access/", access_views.access_list, name="access"),
    path("settings/access/invite/", access_views.access_invite, name="access_invite"),
    path("settings/access/<int:user_id>/", access_views.access_user, name="access_user"),
    path("settings/access/<int:user_id>/active/", access_views.access_active, name="access_active"),
    path("settings/access/<int:user_id>/sign-out/", access_views.access_sign_out, name="access_sign_out"),
]
