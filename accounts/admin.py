"""The Django admin signs in through allauth (its MFA and lockout apply there too), and its
inbox grants validate against the inboxes the credential reaches."""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin

from accounts.grants import validate_subdomain
from avodash.admin import InboxGrantAdmin
from avodash.models import InboxGrant


class InboxGrantForm(forms.ModelForm):
    class Meta:
        model = InboxGrant
        fields = ["user", "subdomain"]

    def clean_subdomain(self) -> str:
        subdomain = self.cleaned_data["subdomain"].strip()
        validate_subdomain(subdomain)
        return subdomain


# The admin's own login form would skip the MFA challenge and the lockout.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.unregister(InboxGrant)


@admin.register(InboxGrant)
class CheckedInboxGrantAdmin(InboxGrantAdmin):
    form = InboxGrantForm
