"""Audit receivers and the session stamp written at every sign-in."""

from __future__ import annotations

from allauth.account.signals import authentication_step_completed, user_logged_in, user_logged_out
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.dispatch import receiver

from accounts import events, sessions, sso
from accounts.models import AccountState, state_for


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    sociallogin = kwargs.get("sociallogin")
    state = state_for(user)
    if sociallogin is not None:
        access = request.session.pop("sso_access", None) or {}
        sso.apply_access(user, sso.Access(role=access.get("role"), inboxes=set(access.get("inboxes", []))))
        state.last_method = AccountState.SSO
        state.sso_groups = access.get("groups", [])
    else:
        state.last_method = AccountState.LOCAL
    state.save()
    events.record(request, "auth.login", user=user, target=user.username, method=state.last_method)


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        events.record(request, "auth.logout", user=user, target=user.username)


@receiver(authentication_step_completed, dispatch_uid="accounts.step")
def _step(sender, request, user, method, **kwargs) -> None:
    if kwargs.get("reauthenticated"):
        sessions.mark_authenticated(request)
        events.record(request, "auth.step_up", user=user, target=user.username, method=method)


@receiver(authenticator_added, dispatch_uid="accounts.mfa_added")
def _mfa_added(sender, request, user, authenticator, **kwargs) -> None:
    events.record(request, "auth.mfa_added", user=user, target=user.username, type=authenticator.type)


@receiver(authenticator_removed, dispatch_uid="accounts.mfa_removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs) -> None:
    events.record(request, "auth.mfa_removed", user=user, target=user.username, type=authenticator.type)


@receiver(authenticator_reset, dispatch_uid="accounts.mfa_reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs) -> None:
    events.record(request, "auth.mfa_reset", user=user, target=user.username, type=authenticator.type)


@receiver(authentication_failed, dispatch_uid="accounts.mfa_failed")
def _mfa_failed(sender, request, user, **kwargs) -> None:
    events.record(request, "auth.mfa_failed", user=user, target=user.username, failed="wrong code")
