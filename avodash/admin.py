from django.contrib import admin

from avodash.models import AuditEntry, IdempotencyKey, InboxGrant


@admin.register(InboxGrant)
class InboxGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "subdomain", "created_at"]
    list_filter = ["subdomain"]
    search_fields = ["user__username", "user__email", "subdomain"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the application, never edited."""

    list_display = ["created_at", "actor_name", "inbox", "action", "target", "outcome"]
    list_filter = ["outcome", "inbox", "action"]
    search_fields = ["actor_name", "target", "error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["key", "action", "inbox", "state", "user", "created_at"]
    list_filter = ["state", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
