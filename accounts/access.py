"""Access management services: invite (set-password link by email), deactivate, reactivate,
sign out everywhere; every change audited with the address and the browser."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from accounts import grants, sessions
from accounts.models import state_for


def set_password_url(request, user: User) -> str:
    """allauth's password-reset link: the invitee chooses their first password there."""
    kwargs = {"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)}
    return request.build_absolute_uri(reverse("account_reset_password_from_key", kwargs=kwargs))


def invite(request, *, email: str, name: str, role: str, subdomains: set[str]) -> User:
    first, _, last = name.strip().partition(" ")
    user = User.objects.create_user(username=email, email=email, first_name=first, last_name=last)
    user.set_unusable_password()
    user.save()
    grants.set_access(user, role=role, subdomains=subdomains)
    state = state_for(user)
    state.invited_at = timezone.now()
    state.save()
    link = set_password_url(request, user)
    who = request.user.get_full_name() or request.user.username
    send_mail(
        "Your avodash login",
        f"{who} invited you to avodash.\n\nChoose your password here (the link works once):\n{link}\n\n"
        f"Then sign in as {email}.",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    return user


def deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions.sign_out_everywhere(user)


def reactivate(user: User) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])
