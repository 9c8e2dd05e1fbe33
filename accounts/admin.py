"""The Django admin's inbox grants validate against the inboxes the credential reaches."""

from __future__ import annotations

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


admin.site.unregister(InboxGrant)


@admin.register(InboxGrant)
class CheckedInboxGrantAdmin(InboxGrantAdmin):
    form = InboxGrantForm
