from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from avodash import views
from team import urls as team_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("inbox-counts/", views.inbox_counts, name="inbox_counts"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit, name="audit"),
    path("admin/", admin.site.urls),
    path("i/<str:subdomain>/", include("inbox.urls")),
    path("i/<str:subdomain>/team/", include(team_urls.team_urls)),
    path("team/", include(team_urls.people_urls)),
]
