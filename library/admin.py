"""Admin for audiobooks: status filter, search, owner, size, dates; queue a conversion (through
services.start_conversion: books already waiting or converting are skipped and named); deletion
removes the files too."""

from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat

from conversions.models import ConversionJob

from . import services
from .models import Audiobook


class JobInline(admin.TabularInline):
    model = ConversionJob
    fields = ("status", "progress", "error_message", "started_at", "completed_at", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Audiobook)
class AudiobookAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "status", "size", "created_at", "updated_at")
    list_filter = ("status", "created_at")
    list_select_related = ("user",)
    search_fields = ("title", "original_file_name", "user__email")
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "original_file_name",
        "file_size",
        "pdf_path",
        "audio_path",
        "status",
        "created_at",
        "updated_at",
    )
    fields = (
        "id",
        "user",
        "title",
        "status",
        "original_file_name",
        "file_size",
        "pdf_path",
        "audio_path",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("user",)
    inlines = [JobInline]
    actions = ["queue_conversion"]

    def has_add_permission(self, request):
        return False  # books arrive through the upload page, which validates the PDF

    @admin.display(description="size", ordering="file_size")
    def size(self, book):
        return filesizeformat(book.file_size)

    @admin.action(description="Queue a new conversion")
    def queue_conversion(self, request, queryset):
        queued, reused, skipped = 0, 0, []
        for book in queryset:
            try:
                # The administrator's action is not held to the owner's queue limit.
                job = services.start_conversion(book, limit_queue=False)
            except services.AlreadyConverting:
                skipped.append(book.title)
                continue
            if job.status == job.Status.COMPLETED:
                reused += 1
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} conversion(s).", messages.SUCCESS)
        if reused:
            self.message_user(
                request,
                f"{reused} ready at once: the same file was converted before; audio reused.",
                messages.SUCCESS,
            )
        if skipped:
            names = ", ".join(f"“{title}”" for title in skipped)
            self.message_user(
                request,
                f"Skipped {len(skipped)} already waiting or converting: {names}.",
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change):
        # Only what the form edits: the worker may be writing status and audio_path right now.
        obj.save(update_fields=["title", "user", "updated_at"] if change else None)

    def delete_model(self, request, obj):
        services.delete_audiobook(obj)

    def delete_queryset(self, request, queryset):
        services.delete_audiobooks(queryset)
