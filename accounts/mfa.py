"""Who must use MFA: the roles in MFA_REQUIRED_ROLES ("superuser" for Django superusers) when
they signed in locally, or through SSO too with SSO_REQUIRE_MFA. Not enforced in the sandbox
unless DEMO_MFA=true (MFA_ENFORCED)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.models import AccountState, state_for
from avodash.roles import role_name


def role_requires_mfa(user) -> bool:
    required = {r.strip().lower() for r in settings.MFA_REQUIRED_ROLES}
    if user.is_superuser and "superuser" in required:
        return True
    return role_name(user).lower() in required


SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_mfa(user) -> bool:
    """An authenticator app or a security key (recovery codes alone are not a second factor)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def must_enrol(request) -> bool:
    user = request.user
    if not settings.MFA_ENFORCED or not role_requires_mfa(user):
        return False
    if state_for(user).last_method == AccountState.SSO and not settings.SSO_REQUIRE_MFA:
        return False
    return not has_mfa(user)
