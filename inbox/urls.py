"""Inbox URLs (under /i/<subdomain>/), by screen: home, queue, ticket page, composer, message
search, scheduled messages,
contacts and tags."""

from django.urls import path

from inbox.views import (
    broadcasts,
    campaigns,
    closing,
    composer,
    contacts,
    contacts_bulk,
    home,
    queue,
    replies,
    scheduled,
    search,
    tags,
    ticket,
    ticket_header,
)

app_name = "inbox"
urlpatterns = [
    path("", home.inbox_home, name="home"),
    path("charts/", home.inbox_charts, name="home_charts"),
    path("load/", home.inbox_load, name="home_load"),
    # the queue
    path("tickets/", queue.tickets, name="tickets"),
    path("tickets/activity/", queue.tickets_activity, name="tickets_activity"),
    path("tickets/bulk/", queue.tickets_bulk, name="tickets_bulk"),
    path("tickets/assign-me/", queue.tickets_assign_me, name="tickets_assign_me"),
    # the ticket page and its regions
    path("tickets/<str:ticket_id>/", ticket.ticket, name="ticket"),
    path("tickets/<str:ticket_id>/stream/", ticket.ticket_stream, name="ticket_stream"),
    path("tickets/<str:ticket_id>/state/", ticket_header.ticket_state, name="ticket_state"),
    path("tickets/<str:ticket_id>/update/", ticket_header.ticket_update, name="ticket_update"),
    path("tickets/<str:ticket_id>/assign-me/", ticket_header.ticket_assign_me, name="ticket_assign_me"),
    path("tickets/<str:ticket_id>/tags/", ticket.ticket_tag, name="ticket_tag"),
    path("tickets/<str:ticket_id>/events/", ticket.ticket_event, name="ticket_event"),
    path("tickets/<str:ticket_id>/presence/", ticket.ticket_presence, name="ticket_presence"),
    path("tickets/<str:ticket_id>/close/", closing.ticket_close, name="ticket_close"),
    path("tickets/<str:ticket_id>/undo-close/", closing.ticket_undo_close, name="ticket_undo_close"),
    path("tickets/<str:ticket_id>/after-close/", closing.after_close_preference, name="after_close"),
    # the composer
    path("compose/", composer.compose, name="compose"),
    path("tickets/<str:ticket_id>/send/", composer.send, name="send"),
    path("tickets/<str:ticket_id>/scheduled/", composer.ticket_scheduled, name="ticket_scheduled"),
    # messages and scheduled messages
    path("messages/", search.messages, name="messages"),
    path("scheduled/", scheduled.scheduled, name="scheduled"),
    path("scheduled/cancel/", scheduled.scheduled_cancel, name="scheduled_cancel"),
    path("scheduled/<str:message_id>/change/", scheduled.scheduled_change, name="scheduled_change"),
    # saved replies
    path("replies/", replies.replies, name="replies"),
    path("replies/<int:reply_id>/", replies.reply_edit, name="reply_edit"),
    path("replies/<int:reply_id>/remove/", replies.reply_remove, name="reply_remove"),
    # contacts and tags
    path("contacts/", contacts.contacts, name="contacts"),
    path("contacts/import/", contacts_bulk.contacts_import, name="contacts_import"),
    path("contacts/remove-all/", contacts_bulk.contacts_remove_all, name="contacts_remove_all"),
    path("contacts/<str:contact_id>/", contacts.contact, name="contact"),
    path("contacts/<str:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<str:contact_id>/opt-out/", contacts.contact_opt_out, name="contact_opt_out"),
    path("contacts/<str:contact_id>/opt-in/", contacts.contact_opt_in, name="contact_opt_in"),
    path("contacts/<str:contact_id>/events/", contacts.contact_event, name="contact_event"),
    path("contacts/<str:contact_id>/tags/", contacts.contact_tag, name="contact_tag"),
    path("tags/", tags.tags, name="tags"),
    path("tags/apply/", tags.tags_apply, name="tags_apply"),
    # broadcasts
    path("broadcasts/", broadcasts.broadcast_list, name="broadcasts"),
    path("broadcasts/new/", broadcasts.broadcast_new, name="broadcast_new"),
    path("broadcasts/audience/", broadcasts.broadcast_audience, name="broadcast_audience_new"),
    path("broadcasts/<str:broadcast_id>/", broadcasts.broadcast_page, name="broadcast"),
    path("broadcasts/<str:broadcast_id>/edit/", broadcasts.broadcast_edit, name="broadcast_edit"),
    path("broadcasts/<str:broadcast_id>/audience/", broadcasts.broadcast_audience, name="broadcast_audience"),
    path("broadcasts/<str:broadcast_id>/publish/", broadcasts.broadcast_publish, name="broadcast_publish"),
    # campaigns
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<str:key>/", campaigns.campaign_page, name="campaign"),
    path("campaigns/<str:key>/cancel/", campaigns.campaign_cancel, name="campaign_cancel"),
]
