"""The three roles, as Django groups of permissions (created by a data migration)."""

from __future__ import annotations

AGENT = "Agent"
LEAD = "Lead"
IT_ADMIN = "IT admin"

AGENT_PERMS = ["view_tickets", "send_messages", "change_ticket_status", "tag_contacts", "log_events"]
LEAD_PERMS = AGENT_PERMS + [
    "assign_tickets",
    "bulk_update_tickets",
    "manage_scheduled",
    "view_team",
    "view_inbox_audit",
    "edit_contacts",
    "manage_broadcasts",
    "manage_campaigns",
    "manage_saved_replies",
]
IT_ADMIN_PERMS = LEAD_PERMS + ["manage_team", "view_all_audit", "remove_all_contacts", "manage_access"]

ROLE_PERMS = {AGENT: AGENT_PERMS, LEAD: LEAD_PERMS, IT_ADMIN: IT_ADMIN_PERMS}


def role_name(user) -> str:
    if user.is_superuser:
        return "Superuser"
    names = set(user.groups.values_list("name", flat=True))
    for role in (IT_ADMIN, LEAD, AGENT):
        if role in names:
            return role
    return "No role"


def ensure_roles(group_model=None, permission_model=None) -> None:
    """Create or refresh the role groups (the data migration and tests call this)."""
    if group_model is None:
        from django.contrib.auth.models import Group as group_model
        from django.contrib.auth.models import Permission as permission_model
    for role, codenames in ROLE_PERMS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        perms = permission_model.objects.filter(content_type__app_label="avodash", codename__in=codenames)
        if perms.count() != len(codenames):
            _create_permissions()
            perms = permission_model.objects.filter(content_type__app_label="avodash", codename__in=codenames)
        group.permissions.set(perms)


def _create_permissions() -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    create_permissions(apps.get_app_config("avodash"), verbosity=0)
