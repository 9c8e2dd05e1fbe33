from django.contrib import admin
from django.urls import include, path

from avodash import views
from team import urls as team_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("inbox-counts/", views.inbox_counts, name="inbox_counts"),
    path("", include("accounts.urls")),  # sign-in (allauth), MFA, SSO, /settings/access/
    path("audit/", views.audit, name="audit"),
    path("admin/", admin.site.urls),
    path("i/<str:subdomain>/", include("inbox.urls")),
    path("i/<str:subdomain>/team/", include(team_urls.team_urls)),
    path("team/", include(team_urls.people_urls)),
]
