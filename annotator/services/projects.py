from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotator.facs import DEFAULT_AU_SET, DEFAULT_EMOTIONS
from annotator.models import Membership, Project, Subject
from annotator.validation import validate_free_text, validate_subject_code


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


def membership_set(*, project: Project, user, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Membership.Role.values)}."})
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    return membership


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
