"""Per-user sign-in state the dashboard keeps beside Django's user: how they last signed in,
and the generation of their sessions ("sign out everywhere" moves it on)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountState(models.Model):
    LOCAL = "local"
    SSO = "sso"
    METHODS = [(LOCAL, "Local"), (SSO, "SSO")]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_state"
    )
    # Sessions signed in under an older generation end at their next request.
    session_generation = models.PositiveIntegerField(default=0)
    last_method = models.CharField(max_length=8, choices=METHODS, blank=True)
    sso_groups = models.JSONField(default=list, blank=True)  # the groups claim at the last SSO sign-in
    invited_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.last_method or 'never signed in'})"


def state_for(user) -> AccountState:
    state, _ = AccountState.objects.get_or_create(user=user)
    return state
