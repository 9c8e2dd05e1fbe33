"""What the inbox app remembers on the dashboard's side: each person's triage preferences."""

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
