"""Admin for users: create with a password, (de)activate, superuser flag, search by email."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count

from . import listening
from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import Pronunciation, User

# Groups and permissions do not exist in Audiobooker: superusers are the only staff.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Access", {"fields": ("is_active", "is_superuser")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("created_at", "updated_at")
    list_display = ("email", "is_active", "is_superuser", "book_count", "created_at")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("email",)
    ordering = ("email",)
    filter_horizontal = ()
    actions = ["activate", "deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_book_count=Count("audiobooks"))

    @admin.display(description="audiobooks", ordering="_book_count")
    def book_count(self, user):
        return user._book_count

    # Deleting a user deletes their books in the database (ON DELETE CASCADE), which would
    # leave their files behind: remove those first.
    def delete_model(self, request, obj):
        from library.services import delete_audiobooks

        delete_audiobooks(obj.audiobooks.all())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        from library.models import Audiobook
        from library.services import delete_audiobooks

        delete_audiobooks(Audiobook.objects.filter(user__in=queryset))
        super().delete_queryset(request, queryset)

    @admin.action(description="Activate selected users")
    def activate(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, f"{count} user(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected users (they can no longer log in)")
    def deactivate(self, request, queryset):
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(request, f"{count} user(s) deactivated.", messages.SUCCESS)


class PronunciationAdminForm(forms.ModelForm):
    class Meta:
        model = Pronunciation
        fields = ("user", "written", "spoken", "case_sensitive", "language")

    def clean(self):
        cleaned = super().clean()
        problems = listening.pair_errors(
            cleaned.get("written") or "",
            cleaned.get("spoken") or "",
            cleaned.get("case_sensitive", False),
            cleaned.get("language") or "",
        )
        if problems:
            raise forms.ValidationError([p[0].upper() + p[1:] + "." for p in problems])
        return cleaned


class EveryoneFilter(admin.SimpleListFilter):
    title = "list"
    parameter_name = "list"

    def lookups(self, request, model_admin):
        return [("server", "The server-wide list"), ("people", "People's own lists")]

    def queryset(self, request, queryset):
        if self.value() == "server":
            return queryset.filter(user=None)
        if self.value() == "people":
            return queryset.exclude(user=None)
        return queryset


@admin.register(Pronunciation)
class PronunciationAdmin(admin.ModelAdmin):
    """The server-wide pronunciation list (pairs without a user) applies to every book, before
    each person's own list; people's pairs are shown too."""

    form = PronunciationAdminForm
    list_display = ("written", "spoken", "whose", "case_sensitive", "language")
    list_filter = (EveryoneFilter, "case_sensitive")
    search_fields = ("written", "spoken", "user__email")
    autocomplete_fields = ("user",)

    @admin.display(description="list", ordering="user__email")
    def whose(self, pair):
        return pair.user.email if pair.user_id else "everyone (server-wide)"
