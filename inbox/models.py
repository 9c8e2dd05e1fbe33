"""What the inbox app remembers on the dashboard's side: each person's triage preferences and each
inbox's saved replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Preference(models.Model):
    """A dashboard person's triage preferences (one row, made on first change)."""

    NEXT, STAY = "next", "stay"
    AFTER_CLOSE = [(NEXT, "Go to the next ticket of the queue"), (STAY, "Stay on the closed ticket")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_preference"
    )
    after_close = models.CharField(max_length=8, choices=AFTER_CLOSE, default=NEXT)

    def __str__(self) -> str:
        return f"{self.user}: after closing, {self.after_close}"


def after_close_for(user) -> str:
    """NEXT or STAY for this person (NEXT until they choose)."""
    row = Preference.objects.filter(user=user).only("after_close").first()
    return row.after_close if row else Preference.NEXT


def after_close_set(user, value: str) -> None:
    Preference.objects.update_or_create(user=user, defaults={"after_close": value})


class SavedReply(models.Model):
    """A reply text kept for an inbox, inserted in the composer by name (`/name`) or from the
    picker. Placeholders (inbox.replies.PLACEHOLDERS) are filled in when inserted."""

    inbox = models.CharField(max_length=100, db_index=True)  # the inbox's subdomain
    name = models.SlugField(max_length=40)
    text = models.TextField(max_length=1600)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["inbox", "name"], name="saved_reply_name_per_inbox")]

    def __str__(self) -> str:
        return f"{self.inbox}: /{self.name}"
