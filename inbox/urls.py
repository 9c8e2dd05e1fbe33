"""Inbox URLs: triage (queue, ticket page, home) and messaging (composer, scheduled, search)."""

from inbox.urls_messaging import urlpatterns as messaging_urls
from inbox.urls_triage import urlpatterns as triage_urls

app_name = "inbox"
urlpatterns = [*triage_urls, *messaging_urls]
