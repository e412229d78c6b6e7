from django.contrib import admin

from annotator.models import AuditEntry, Clip, CodingEvent, EventRevision, Job, Membership, Project, Subject


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "default_fps", "created_at"]
    inlines = [MembershipInline]


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
class CodingEventAdmin(admin.ModelAdmin):
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
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: audit rows are only ever added, by the services."""

    list_display = ["at", "user", "action", "project", "object_type", "object_id", "detail"]
    list_filter = ["action", "project"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
