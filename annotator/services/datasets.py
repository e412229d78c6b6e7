"""Importing a lab dataset (frame folders + coding sheet) into a project: one job, all or nothing.

Plan (read, outside any transaction): find the clips, read the sheet, map every row through the
clip's frame numbering, and copy the frames into a staging folder under MEDIA_ROOT. Commit (one
short transaction): subjects, clips, the dataset coder's reviewed events, and the staged folders
renamed into the frame store. Any failure removes every folder already moved, and the staging
folder goes in all cases: a failed import leaves no rows and no files.
"""

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.jobkinds import INGEST
from annotator.datasets import DatasetError, DatasetFormat, get_format
from annotator.jobkinds import INGEST
from annotator.datasets.base import ClipSource
from annotator.datasets.folders import scan_clips
from annotator.datasets.rows import FLAGGED, IMPORTED, SKIPPED, RowOutcome, plan_row
from annotator.datasets.staging import FrameLimits, StagedFrames, stage_frames
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Membership, Project, Subject
from annotator.services.events import event_snapshot
from annotator.services.jobs import job_create, job_enqueue_on_commit
from annotator.validation import validate_subject_code

DATASET_CODER = "dataset"
Tick = Callable[[float, str], None]


@dataclass
class ImportPlan:
    fmt: DatasetFormat
    root: Path
    clips: dict[tuple[str, str], ClipSource]
    existing: dict[tuple[str, str], Clip]
    rows: list[RowOutcome]
    notes: list[str] = field(default_factory=list)


def subject_code_for(fmt: DatasetFormat, subject: str) -> str:
    """Subjects of different datasets never share a code in one project: the format name is the prefix."""
    return validate_subject_code(f"{fmt.name}-{subject}")


def frame_limits() -> FrameLimits:
    ingest = settings.MESTUDIO_INGEST
    return FrameLimits(max_width=ingest["MAX_WIDTH"], max_height=ingest["MAX_HEIGHT"],
                       max_file_bytes=settings.MESTUDIO_IMPORT["MAX_FRAME_BYTES"],
                       jpeg_quality=ingest["JPEG_QUALITY"])


def dataset_coder(*, project: Project):
    """The site user every imported event belongs to: no password, a coder in each project it imports into."""
    user, created = get_user_model().objects.get_or_create(username=DATASET_CODER)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Membership.Role.CODER})
    return user


def _existing_clips(project: Project, fmt: DatasetFormat) -> dict[tuple[str, str], Clip]:
    prefix = f"{fmt.name}-"
    return {
        (clip.subject.code[len(prefix):], clip.name): clip
        for clip in Clip.objects.filter(project=project, dataset=fmt.label, subject__code__startswith=prefix)
        .select_related("subject")
    }


def dataset_plan(*, project: Project, fmt: DatasetFormat, root: Path) -> ImportPlan:
    root = Path(root)
    if not root.is_dir():
        raise DatasetError("The dataset folder does not exist.")
    notes: list[str] = list(fmt.notes)
    clips = scan_clips(fmt, root, max_frames=settings.MESTUDIO_INGEST["MAX_FRAMES"], flag=notes.append)
    if not clips:
        raise DatasetError(f"No frame folder in the {fmt.label} layout was found under the dataset folder.")
    for subject, _ in clips:
        subject_code_for(fmt, subject)
    existing = _existing_clips(project, fmt)
    for key, clip in existing.items():
        source = clips.get(key)
        if source is not None and clip.frame_numbers != [frame.number for frame in source.frames]:
            notes.append(f"clip {key[0]}/{key[1]} was imported before with other frames: the stored frames are kept "
                         "and its rows are mapped through them")
    emotions = {label.lower(): label for label in project.emotion_labels}
    au_set = set(project.au_set)
    rows = []
    for row in fmt.rows(root, clips):
        stored = existing.get((row.subject, row.clip))
        source = clips.get((row.subject, row.clip))
        numbering = stored.frame_numbers if stored is not None else (
            [frame.number for frame in source.frames] if source is not None else None)
        rows.append(plan_row(row, numbering, emotions=emotions, au_set=au_set, has_apex=fmt.has_apex))
    return ImportPlan(fmt=fmt, root=root, clips=clips, existing=existing, rows=rows, notes=notes)


def _report(plan: ImportPlan, *, dry_run: bool, new_clips: int, new_events: int) -> dict:
    counts = {outcome: sum(1 for row in plan.rows if row.outcome == outcome)
              for outcome in (IMPORTED, FLAGGED, SKIPPED)}
    return {
        "format": plan.fmt.name, "dataset": plan.fmt.label, "dry_run": dry_run, "notes": plan.notes,
        "summary": {
            "clips_found": len(plan.clips), "clips_new": new_clips, "clips_existing": len(plan.clips) - new_clips,
            "frames": sum(len(clip.frames) for clip in plan.clips.values()),
            "rows": len(plan.rows), "rows_imported": counts[IMPORTED] + counts[FLAGGED],
            "rows_flagged": counts[FLAGGED], "rows_skipped": counts[SKIPPED], "events_new": new_events,
        },
        "rows": [row.as_dict() for row in plan.rows],
    }


def _stage(plan: ImportPlan, staging: Path, progress: Tick | None, *, write: bool
           ) -> dict[tuple[str, str], tuple[StagedFrames, Path]]:
    """Every new clip's frames checked (and with write, copied to staging/<n>/frames); key -> (frames, folder)."""
    todo = [clip for key, clip in sorted(plan.clips.items()) if key not in plan.existing]
    total = max(1, sum(len(clip.frames) for clip in todo))
    done = 0
    verb = "copied" if write else "checked"

    def tick():
        nonlocal done
        done += 1
        if progress is not None:
            progress(done / total, f"{verb} {done} of {total} frames")

    limits = frame_limits()
    return {
        clip.key: (stage_frames(clip.frames, staging / str(index) / "frames" if write else None, limits=limits,
                                root=plan.root, tick=tick), staging / str(index))
        for index, clip in enumerate(todo)
    }


def _create_clip(project, plan, source: ClipSource, subject: Subject, staged: StagedFrames) -> Clip:
    return Clip.objects.create(
        project=project, subject=subject, name=source.name, dataset=plan.fmt.label,
        source=f"{plan.fmt.name}:{source.folder.relative_to(plan.root)}"[:500],
        frame_numbers=[frame.number for frame in source.frames], source_kind=Clip.SourceKind.FRAMES,
        fps=plan.fmt.fps, frame_count=staged.count, container_frame_count=staged.count, width=staged.width,
        height=staged.height, codec="jpeg", status=Clip.Status.READY, face_status=Clip.FaceStatus.PENDING,
    )


def _write_events(plan: ImportPlan, clips: dict[tuple[str, str], Clip], coder) -> int:
    created = []
    for row in plan.rows:
        if row.event is None:
            continue
        planned = row.event
        fields = {"kind": planned.kind, "emotion": planned.emotion, "aus": planned.aus, "aus_raw": planned.aus_raw,
                  "status": CodingEvent.Status.REVIEWED}
        event, is_new = CodingEvent.objects.get_or_create(
            clip=clips[(row.subject, row.clip)], coder=coder, onset=planned.onset, offset=planned.offset,
            apex=planned.apex, defaults=fields,
        )
        if is_new:
            created.append(event)
        elif any(getattr(event, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(event, name, value)
            event.version += 1
            event.save()
            EventRevision.objects.create(event_id_value=event.pk, clip_id=event.clip_id, version=event.version,
                                         action=EventRevision.Action.UPDATE, snapshot=event_snapshot(event),
                                         changed_by=coder)
    EventRevision.objects.bulk_create([
        EventRevision(event_id_value=event.pk, clip_id=event.clip_id, action=EventRevision.Action.CREATE,
                      version=event.version, snapshot=event_snapshot(event), changed_by=coder)
        for event in created
    ])
    return len(created)


def _commit(project, plan, staged, *, created_by, align: bool, moved: list[Path]) -> tuple[int, int]:
    with transaction.atomic():
        coder = dataset_coder(project=project)
        clips = dict(plan.existing)
        subjects: dict[str, Subject] = {}
        for key, source in sorted(plan.clips.items()):
            if key in clips:
                continue
            code = subject_code_for(plan.fmt, source.subject)
            if code not in subjects:
                subjects[code], _ = Subject.objects.get_or_create(project=project, code=code)
            frames, folder = staged[key]
            clip = _create_clip(project, plan, source, subjects[code], frames)
            store = FrameStore(settings.MEDIA_ROOT, clip.pk)
            if store.root.exists():  # left by a clip whose id the database hands out again
                shutil.rmtree(store.root)
            store.root.parent.mkdir(parents=True, exist_ok=True)
            os.replace(folder, store.root)
            moved.append(store.root)
            store.write_meta({"frame_count": clip.frame_count, "fps": clip.fps, "width": clip.width,
                              "height": clip.height, "dataset": plan.fmt.label})
            clips[key] = clip
            if align:
                job = job_create(kind=INGEST, project=project, clip=clip, created_by=created_by,
                                 params={"align": True})
                job_enqueue_on_commit(job=job)
            else:
                Clip.objects.filter(pk=clip.pk).update(face_status=Clip.FaceStatus.SKIPPED)
        new_events = _write_events(plan, clips, coder)
    return len(clips) - len(plan.existing), new_events


def dataset_import(*, project: Project, format: str, root: Path, created_by=None, dry_run: bool = False,
                   align: bool | None = None, progress: Tick | None = None) -> dict:
    """Import the dataset under root into project; return the import report. dry_run: check all, write nothing."""
    fmt = get_format(format)
    plan = dataset_plan(project=project, fmt=fmt, root=Path(root))
    if dry_run:
        _stage(plan, Path(), progress, write=False)
        return _report(plan, dry_run=True, new_clips=len(plan.clips) - len(plan.existing), new_events=0)
    align = settings.MESTUDIO_INGEST["ALIGN_FACES"] if align is None else align
    staging = Path(settings.MEDIA_ROOT) / "imports" / f"staging-{uuid.uuid4().hex}"
    moved: list[Path] = []
    try:
        staged = _stage(plan, staging, progress, write=True)
        new_clips, new_events = _commit(project, plan, staged, created_by=created_by, align=align,
                                        moved=moved)
    except BaseException:
        for folder in moved:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _report(plan, dry_run=False, new_clips=new_clips, new_events=new_events)
