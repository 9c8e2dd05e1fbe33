from django.conf import settings

from accounts import sso


def sign_in(request) -> dict:
    """The sign-in page's SSO button (and whether local passwords are offered)."""
    enabled = sso.enabled()
    return {
        "sso_enabled": enabled,
        "sso_label": settings.SSO_LABEL,
        "sso_only": enabled and settings.SSO_ONLY,
    }
