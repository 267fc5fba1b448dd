"""Admin for conversion jobs: status, progress, errors and timings, read-only (the worker writes
them; a new attempt is queued from the audiobook)."""

from django.contrib import admin

from .models import ConversionJob


@admin.register(ConversionJob)
class ConversionJobAdmin(admin.ModelAdmin):
    list_display = (
        "audiobook",
        "status",
        "progress_percent",
        "started_at",
        "completed_at",
        "duration",
        "created_at",
    )
    list_filter = ("status", "created_at")
    list_select_related = ("audiobook",)
    search_fields = ("audiobook__title", "audiobook__user__email", "error_message")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "audiobook",
        "status",
        "progress",
        "error_message",
        "started_at",
        "completed_at",
        "duration",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="progress", ordering="progress")
    def progress_percent(self, job):
        return f"{job.progress or 0}%"

    @admin.display(description="took")
    def duration(self, job):
        if job.started_at and job.completed_at:
            seconds = int((job.completed_at - job.started_at).total_seconds())
            return f"{seconds // 60} min {seconds % 60} s"
        return "—"
