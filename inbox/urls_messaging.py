"""Messaging URLs: message search, scheduled messages, the new-message page, and the ticket
page's composer endpoints."""

from django.urls import path

from inbox.views import messaging, scheduled, search

urlpatterns = [
    path("messages/", search.messages, name="messages"),
    path("scheduled/", scheduled.scheduled, name="scheduled"),
    path("scheduled/cancel/", scheduled.scheduled_cancel, name="scheduled_cancel"),
    path("compose/", messaging.compose, name="compose"),
    path("tickets/<str:ticket_id>/send/", messaging.send, name="send"),
    path("tickets/<str:ticket_id>/scheduled/", messaging.ticket_scheduled, name="ticket_scheduled"),
]
