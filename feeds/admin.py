"""Feed addresses in the admin: who has one and since when, and deleting one revokes it (its
token cannot be seen or changed here)."""

from django.contrib import admin

from .models import FeedAddress


@admin.register(FeedAddress)
class FeedAddressAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "changed_at"]
    search_fields = ["user__email"]
    fields = ["user", "created_at", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # made by their owner on the account page
