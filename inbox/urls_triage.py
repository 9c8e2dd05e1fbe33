"""Triage URLs: inbox home, ticket queue (+ bulk, deferred row activity), ticket page and its parts."""

from django.urls import path

from inbox.views import home, triage

urlpatterns = [
    path("", home.inbox_home, name="home"),
    path("charts/", home.inbox_charts, name="home_charts"),
    path("tickets/", triage.tickets, name="tickets"),
    path("tickets/activity/", triage.tickets_activity, name="tickets_activity"),
    path("tickets/bulk/", triage.tickets_bulk, name="tickets_bulk"),
    path("tickets/<str:ticket_id>/", triage.ticket, name="ticket"),
    path("tickets/<str:ticket_id>/stream/", triage.ticket_stream, name="ticket_stream"),
    path("tickets/<str:ticket_id>/state/", triage.ticket_state, name="ticket_state"),
    path("tickets/<str:ticket_id>/update/", triage.ticket_update, name="ticket_update"),
    path("tickets/<str:ticket_id>/tags/", triage.ticket_tag, name="ticket_tag"),
    path("tickets/<str:ticket_id>/events/", triage.ticket_event, name="ticket_event"),
    path("tickets/<str:ticket_id>/presence/", triage.ticket_presence, name="ticket_presence"),
]
