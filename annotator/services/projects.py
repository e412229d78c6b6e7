from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from annotator.facs import AU_NAMES, DEFAULT_AU_SET, DEFAULT_EMOTIONS
from annotator.models import AuditEntry, CodingEvent, Membership, Project, Subject
from annotator.permissions import can_create_project, can_manage, is_site_admin, role_for
from annotator.services.audit import audit_record
from annotator.validation import validate_free_text, validate_subject_code

MAX_EMOTION_LABELS = 64


@transaction.atomic
def project_create(
    *, name: str, created_by, description: str = "", emotion_labels: list[str] | None = None,
    au_set: list[int] | None = None, default_fps: float = 200.0,
) -> Project:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    if Project.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A project called {name!r} already exists."})
    if default_fps <= 0:
        raise ValidationError({"default_fps": "The frame rate must be positive."})
    description = validate_free_text(description, "description")
    project = Project.objects.create(
        name=name, description=description, created_by=created_by, default_fps=default_fps,
        emotion_labels=list(emotion_labels or DEFAULT_EMOTIONS), au_set=sorted(set(au_set or DEFAULT_AU_SET)),
    )
    if created_by is not None:
        Membership.objects.create(project=project, user=created_by, role=Membership.Role.LEAD)
    return project


def _clean_settings(*, emotion_labels, au_set, default_fps, event_kinds) -> dict:
    labels = [label.strip() for label in emotion_labels]
    if not labels or any(not label for label in labels):
        raise ValidationError({"emotion_labels": "Give at least one emotion label, none empty."})
    if len(set(labels)) != len(labels):
        raise ValidationError({"emotion_labels": "Each emotion label once."})
    if len(labels) > MAX_EMOTION_LABELS or any(len(label) > 64 for label in labels):
        raise ValidationError({"emotion_labels": f"At most {MAX_EMOTION_LABELS} labels of 64 characters."})
    unknown = sorted(set(au_set) - set(AU_NAMES))
    if not au_set or unknown:
        raise ValidationError({"au_set": f"Choose FACS Action Units; unknown: {', '.join(map(str, unknown))}."
                               if unknown else "Choose at least one Action Unit."})
    if not default_fps or default_fps <= 0 or default_fps > 10000:
        raise ValidationError({"default_fps": "The frame rate must be positive (at most 10,000 fps)."})
    kinds = list(dict.fromkeys(event_kinds))
    if not kinds or set(kinds) - set(CodingEvent.Kind.values):
        raise ValidationError({"event_kinds": f"Choose from {', '.join(CodingEvent.Kind.values)}."})
    return {"emotion_labels": labels, "au_set": sorted(set(au_set)), "default_fps": float(default_fps),
            "event_kinds": kinds}


@transaction.atomic
def project_start(*, user, name: str, description: str = "", emotion_labels: list[str], au_set: list[int],
                  default_fps: float, event_kinds: list[str]) -> Project:
    """A project made from the app: site admins and current leads; the maker becomes its lead."""
    if not can_create_project(user):
        raise PermissionDenied("Only a site administrator or a project lead creates projects.")
    cleaned = _clean_settings(emotion_labels=emotion_labels, au_set=au_set, default_fps=default_fps,
                              event_kinds=event_kinds)
    project = project_create(name=name, created_by=user, description=description,
                             emotion_labels=cleaned["emotion_labels"], au_set=cleaned["au_set"],
                             default_fps=cleaned["default_fps"])
    project.event_kinds = cleaned["event_kinds"]
    project.save(update_fields=["event_kinds"])
    return project


@transaction.atomic
def project_update(*, project: Project, user, name: str, description: str, emotion_labels: list[str],
                   au_set: list[int], default_fps: float, event_kinds: list[str]) -> Project:
    """The lead edits the set-up; a label, AU or kind already used by a code stays (codes are never orphaned)."""
    if not can_manage(role_for(user, project)):
        raise PermissionDenied("Only the project lead edits the project.")
    cleaned = _clean_settings(emotion_labels=emotion_labels, au_set=au_set, default_fps=default_fps,
                              event_kinds=event_kinds)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    if len(name) > Project._meta.get_field("name").max_length:
        raise ValidationError({"name": "A project name is at most 200 characters."})
    description = validate_free_text(description, "description")
    if Project.objects.filter(name=name).exclude(pk=project.pk).exists():
        raise ValidationError({"name": f"A project called {name!r} already exists."})
    events = CodingEvent.objects.filter(clip__project=project)
    used_labels = sorted(set(events.exclude(emotion="").values_list("emotion", flat=True))
                         - set(cleaned["emotion_labels"]))
    if used_labels:
        raise ValidationError({"emotion_labels": f"Codes use {', '.join(used_labels)}: keep these labels."})
    used_aus = sorted({au["number"] for aus in events.values_list("aus", flat=True) for au in aus}
                      - set(cleaned["au_set"]))
    if used_aus:
        raise ValidationError({"au_set": f"Codes use AU {', '.join(map(str, used_aus))}: keep these."})
    used_kinds = sorted(set(events.values_list("kind", flat=True)) - set(cleaned["event_kinds"]))
    if used_kinds:
        raise ValidationError({"event_kinds": f"Codes use {', '.join(used_kinds)}: keep these kinds."})
    project.name, project.description = name, description
    for field, value in cleaned.items():
        setattr(project, field, value)
    project.save()
    return project


@transaction.atomic
def membership_set(*, project: Project, user, role: str, set_by=None) -> Membership:
    """Add a member or change their role; `set_by` None is the system (fixtures, importers). A site administrator
    (Django admin) may set roles in any project: the change is audited under their name like a lead's."""
    if set_by is not None:
        if not (can_manage(role_for(set_by, project)) or is_site_admin(set_by)):
            raise PermissionDenied("Only the project lead manages members.")
        if user.pk == set_by.pk and role != Membership.Role.LEAD:
            raise ValidationError({"role": "You cannot demote yourself; another lead can."})
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Membership.Role.values)}."})
    before = Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    if before != role:
        audit_record(user=set_by, action=AuditEntry.Action.ROLE_CHANGE, project=project, object_type="user",
                     object_id=user.pk, before={"role": before}, after={"role": role}, detail=user.username)
    return membership


def membership_remove(*, project: Project, user, removed_by) -> None:
    """Take a member out of a project (lead or site administrator); the project keeps at least one lead."""
    if not (can_manage(role_for(removed_by, project)) or is_site_admin(removed_by)):
        raise PermissionDenied("Only the project lead manages members.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
        if membership is None:
            return
        leads = Membership.objects.filter(project=project, role=Membership.Role.LEAD).exclude(pk=membership.pk)
        if membership.role == Membership.Role.LEAD and not leads.exists():
            raise ValidationError({"user": "A project keeps at least one lead; make another member lead first."})
        membership.delete()
        audit_record(user=removed_by, action=AuditEntry.Action.ROLE_CHANGE, project=project, object_type="user",
                     object_id=user.pk, before={"role": membership.role}, after={"role": None}, detail=user.username)


def subject_create(
    *, project: Project, code: str, consent_given: bool = False, consent_date: date | None = None, notes: str = "",
) -> Subject:
    code = validate_subject_code(code)
    notes = validate_free_text(notes, "notes")
    if consent_given and consent_date is None:
        raise ValidationError({"consent_date": "Give the date consent was given."})
    if consent_date is not None and not consent_given:
        raise ValidationError({"consent_given": "A consent date is set but consent is not marked as given."})
    try:
        with transaction.atomic():
            return Subject.objects.create(
                project=project, code=code, consent_given=consent_given, consent_date=consent_date, notes=notes,
            )
    except IntegrityError:
        raise ValidationError({"code": f"Subject {code!r} already exists in this project."}) from None


def subject_get_or_create(*, project: Project, code: str) -> Subject:
    code = validate_subject_code(code)
    subject = Subject.objects.filter(project=project, code=code).first()
    return subject or subject_create(project=project, code=code)
