"""Team pages of one inbox: /i/<subdomain>/team/..."""

from django.urls import path

from team import views

app_name = "team"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("add/", views.user_add, name="add"),
    path("<str:user_id>/", views.user_page, name="user"),
    path("<str:user_id>/role/", views.user_role, name="role"),
    path("<str:user_id>/disable/", views.user_disable, name="disable"),
    path("<str:user_id>/enable/", views.user_enable, name="enable"),
    path("<str:user_id>/mfa-phone/", views.user_mfa_phone, name="mfa_phone"),
    path("<str:user_id>/password-reset/", views.user_password_reset, name="password_reset"),
    path("<str:user_id>/remove/", views.user_remove, name="remove"),
]
