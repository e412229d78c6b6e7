from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from annotator.models import AuditEntry, Clip, CodingEvent, EventRevision, Job, Membership, Project, Subject
from annotator.services.projects import membership_remove, membership_set


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that only the services write: an administrator may look, not add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if self.instance.pk and not any(row.get("role") == Membership.Role.LEAD for row in kept):
            raise ValidationError("A project keeps at least one lead.")


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "default_fps", "created_at"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        """Role changes go through the membership services, so the audit trail names the administrator."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        project = form.instance
        for membership, changed in formset.changed_objects:
            membership_set(project=project, user=membership.user, role=membership.role, set_by=request.user)
            if "user" in changed:  # the row now names someone else: the one it named leaves the project
                replaced = Membership.objects.get(pk=membership.pk).user
                membership_remove(project=project, user=replaced, removed_by=request.user)
        for membership in formset.new_objects:
            membership_set(project=project, user=membership.user, role=membership.role, set_by=request.user)
        for membership in formset.deleted_objects:
            membership_remove(project=project, user=membership.user, removed_by=request.user)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["code", "project", "consent_given", "consent_date"]
    list_filter = ["project"]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "subject", "status", "frame_count", "fps", "face_status"]
    list_filter = ["project", "status"]
    readonly_fields = ["checksum", "frame_count", "container_frame_count", "width", "height", "codec"]


@admin.register(CodingEvent)
class CodingEventAdmin(ViewOnlyAdmin):
    """Codes change in the workspace and the API, whose services keep the revision history, the version check
    and blind coding; an edit here would bypass all three."""

    list_display = ["id", "clip", "coder", "onset", "apex", "offset", "emotion", "status", "version"]
    list_filter = ["status", "kind"]


@admin.register(EventRevision)
class EventRevisionAdmin(admin.ModelAdmin):
    list_display = ["event_id_value", "action", "version", "changed_by", "changed_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "progress", "clip", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdmin):
    """Audit rows are only ever added, by the services."""

    list_display = ["at", "user", "action", "project", "object_type", "object_id", "detail"]
    list_filter = ["action", "project"]
