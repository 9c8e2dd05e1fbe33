"""People across inboxes (/team/): directory, MFA compliance, on/offboarding and their jobs."""

from django.urls import path

from team import views_lifecycle as views

app_name = "people"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("compliance/", views.compliance, name="compliance"),
    path("onboard/", views.onboard, name="onboard"),
    path("onboard/csv/", views.onboard_csv, name="onboard_csv"),
    path("onboard/csv/template.csv", views.onboard_csv_template, name="onboard_csv_template"),
    path("onboard/csv/<int:job_id>/", views.onboard_csv_preview, name="onboard_csv_preview"),
    path("offboard/", views.offboard, name="offboard"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("jobs/<int:job_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/resume/", views.job_resume, name="job_resume"),
]
