"""Session rules: a session lives at most SESSION_MAX_SECONDS after sign-in and
SESSION_IDLE_SECONDS without a request; "sign out everywhere" ends all of a person's sessions
(their generation moves on); an SSO session ends when the IdP no longer lists the person in
an avodash group. Step-up: whether the last authentication is recent enough."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts import sso
from accounts.models import AccountState, state_for

log = logging.getLogger(__name__)

SIGNED_IN_AT = "accounts_signed_in_at"
LAST_SEEN = "accounts_last_seen"
GENERATION = "accounts_generation"
SSO_CHECKED = "accounts_sso_checked"
AUTHENTICATED_AT = "accounts_authenticated_at"  # the last sign-in or step-up
# Writing the session on every request costs a database write: only when it moved this much.
LAST_SEEN_GRAIN = 30


def clock() -> float:
    """Now, in epoch seconds (tests replace it with a `tests.helpers.Clock`)."""
    return time.time()


def stamp(request, user, state: AccountState | None = None, *, authenticated: bool = False) -> None:
    state = state or state_for(user)
    now = clock()
    if authenticated:
        request.session[AUTHENTICATED_AT] = now
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    request.session[GENERATION] = state.session_generation
    request.session[SSO_CHECKED] = now


@receiver(user_logged_in, dispatch_uid="accounts.stamp")
def _stamp_every_login(sender, request, user, **kwargs) -> None:
    """Every login (allauth's, the admin's, a test's force_login) gets the stamp."""
    if request is not None and hasattr(request, "session"):
        stamp(request, user, authenticated=True)


def sign_out_everywhere(user) -> None:
    state = state_for(user)
    state.session_generation += 1
    state.save(update_fields=["session_generation"])


def end_reason(request) -> str | None:
    """Why this signed-in session must end now, or None (and it is kept alive)."""
    session, now = request.session, clock()
    if SIGNED_IN_AT not in session:
        stamp(request, request.user)
        return None
    if now - session[SIGNED_IN_AT] > settings.SESSION_MAX_SECONDS:
        return f"Your session ended after {_hours(settings.SESSION_MAX_SECONDS)}. Sign in again."
    if now - session.get(LAST_SEEN, now) > settings.SESSION_IDLE_SECONDS:
        return f"You were signed out after {_minutes(settings.SESSION_IDLE_SECONDS)} without activity."
    state = state_for(request.user)
    if session.get(GENERATION, 0) < state.session_generation:
        return "You were signed out everywhere. Sign in again."
    if (
        state.last_method == AccountState.SSO
        and now - session.get(SSO_CHECKED, 0) >= settings.SSO_RECHECK_SECONDS
    ):
        refused = _sso_refusal(request, state)
        if refused:
            return refused
        session[SSO_CHECKED] = now
    if now - session.get(LAST_SEEN, 0) >= LAST_SEEN_GRAIN:
        session[LAST_SEEN] = now
    return None


NO_LONGER = "Your organisation no longer gives you access to avodash."
RENEW = "Your single sign-on session has expired. Sign in again."


def _sso_refusal(request, state: AccountState) -> str | None:
    """Ask the IdP (userinfo, with the token of the sign-in) for the groups again: None when
    they still give access (role and grants refreshed), else why the session ends."""
    from allauth.socialaccount.models import SocialToken
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
    from requests import HTTPError, RequestException

    token = (
        SocialToken.objects.filter(account__user=request.user, account__provider=sso.PROVIDER_ID)
        .order_by("-id")
        .first()
    )
    if token is None:
        return RENEW
    try:
        claims = OpenIDConnectOAuth2Adapter(request, sso.PROVIDER_ID)._fetch_user_info(token.token)
    except HTTPError:
        return RENEW  # the token expired or was revoked: a fresh sign-in decides
    except RequestException as err:
        log.warning("SSO recheck for %s failed, kept for now: %s", request.user, err)
        return None  # the IdP is unreachable: not a reason to sign everyone out
    groups = sso.groups_from_claims(claims)
    access = sso.access_from_groups(groups)
    if not access.any:
        return NO_LONGER
    sso.apply_access(request.user, access)
    state.sso_groups = groups
    state.save(update_fields=["sso_groups"])
    return None


def recently_authenticated(request) -> bool:
    """Whether the last authentication (sign-in or step-up) is within STEP_UP_SECONDS."""
    if not request.user.is_authenticated:
        return False
    return clock() - request.session.get(AUTHENTICATED_AT, 0) < settings.STEP_UP_SECONDS


def mark_authenticated(request) -> None:
    """A step-up (password or MFA code again) restarts the step-up window."""
    request.session[AUTHENTICATED_AT] = clock()


def _hours(seconds: int) -> str:
    hours = seconds / 3600
    return f"{hours:g} hour{'' if hours == 1 else 's'}" if seconds >= 3600 else _minutes(seconds)


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
