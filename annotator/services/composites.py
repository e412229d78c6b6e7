"""Building a composite project: check, plan, then copy clips, frame files and mapped gold codes.

Clips are copied, frame files included (decision: copying, not sharing). A composite clip has its
own id, its own frame-store folder and its own project, so the per-project access checks of the
frame views hold unchanged, re-ingesting or deleting one side never touches the other, and a
source project can be deleted after the build. The cost is disk space (a CASME II-sized set is a
few GiB). Codes keep their coder, timing, AUs and status; the emotion becomes the composite
class and the source emotion is kept in the notes. Subjects get a dataset prefix
(`casme2_sub01`), since two datasets may both have an `s01`; consent is copied.
"""

import re
import shutil

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotator.composites.mappings import LabelMapping
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Project, Subject
from annotator.permissions import can_manage, role_for
from annotator.selectors.composites import CompositePlan, composite_plan
from annotator.services.events import event_snapshot
from annotator.services.projects import project_create

COPIED_CLIP_FIELDS = ("name", "source", "frame_numbers", "source_kind", "fps", "frame_count", "container_frame_count",
                      "width", "height", "codec", "checksum", "status", "error", "face_status", "face_method",
                      "face_frame_count")


PREFIXES = {"CASME": "casme1", "CASME II": "casme2", "CAS(ME)^2": "casmesq", "CAS(ME)^3": "casme3", "SAMM": "samm",
            "SAMM-LV": "sammlv", "SMIC-HS": "smic", "MMEW": "mmew"}


def subject_prefix(dataset: str) -> str:
    return PREFIXES.get(dataset) or re.sub(r"[^a-z0-9]", "", dataset.lower())[:12] or "set"


def composite_check(*, sources: list[Project], user) -> None:
    if len(sources) < 1:
        raise ValidationError({"sources": "Choose at least one source project."})
    if user is not None:
        not_led = [p.name for p in sources if not can_manage(role_for(user, p))]
        if not_led:
            raise PermissionDenied(f"Only a lead of every source project builds a composite; not of {', '.join(not_led)}.")


def _copy_clip(clip: Clip, project: Project, subject: Subject, dataset: str) -> Clip:
    copy = Clip.objects.create(project=project, subject=subject, dataset=dataset,
                               **{name: getattr(clip, name) for name in COPIED_CLIP_FIELDS})
    source = FrameStore(settings.MEDIA_ROOT, clip.pk).root
    if source.exists():
        shutil.copytree(source, FrameStore(settings.MEDIA_ROOT, copy.pk).root)
    return copy


def composite_build(*, name: str, sources: list[Project], mapping: LabelMapping, created_by,
                    label_source: str = "reviewed", truth: dict | None = None,
                    plan: CompositePlan | None = None) -> Project:
    composite_check(sources=sources, user=created_by)
    plan = plan or composite_plan(sources=sources, mapping=mapping, label_source=label_source, truth=truth)
    if not plan.items:
        raise ValidationError({"mapping": "The mapping keeps no code of these projects; nothing to build."})
    copied: list[int] = []
    try:
        with transaction.atomic():
            project = project_create(
                name=name, created_by=created_by, emotion_labels=list(mapping.classes),
                au_set=sorted({n for p in sources for n in p.au_set}),
                default_fps=sources[0].default_fps,
                description=f"Composite '{mapping.title}' of {', '.join(p.name for p in sources)} "
                            f"({label_source} codes; mapping {mapping.name}).",
            )
            subjects: dict[tuple[str, str], Subject] = {}
            for clip, dataset, mapped in plan.items:
                key = (dataset, clip.subject.code)
                if key not in subjects:
                    subjects[key] = Subject.objects.create(
                        project=project, code=f"{subject_prefix(dataset)}_{clip.subject.code}"[:32],
                        consent_given=clip.subject.consent_given, consent_date=clip.subject.consent_date,
                    )
                copy = _copy_clip(clip, project, subjects[key], dataset)
                copied.append(copy.pk)
                for event, target in mapped:
                    new = CodingEvent.objects.create(
                        clip=copy, coder=event.coder, onset=event.onset, apex=event.apex, offset=event.offset,
                        kind=event.kind, emotion=target, aus=event.aus, status=event.status,
                        notes=f"{dataset} emotion: {event.emotion}"[:500],
                    )
                    EventRevision.objects.create(event_id_value=new.pk, clip=copy, action=EventRevision.Action.CREATE,
                                                 version=new.version, snapshot=event_snapshot(new),
                                                 changed_by=created_by or event.coder)
    except BaseException:
        for clip_id in copied:  # the rows rolled back; their files go too
            shutil.rmtree(FrameStore(settings.MEDIA_ROOT, clip_id).root, ignore_errors=True)
        raise
    return project
