"""Importing a precomputed-map (or apex-image) set into a project: one job, all or nothing, idempotent.

Each matched CSV row becomes a Clip of source_kind "map" (or "apex") with one frame: the image as
frame 0 (JPEG, for browsing and the workspace) and, for maps, the image's R, G, B scaled to 0..1 as
`maps.npy` (3, H, W) float32 in the frame store, which the ML side hands to flow-map plugins instead
of computing flow. Its label is a reviewed event of the dataset coder on frame 0. Subjects are
`<dataset>-<sub>`, so the usual subjects, datasets, reports and LOSO paths apply unchanged.

Plan and stage outside any transaction (every image's header checked before it is decoded), then
commit in one transaction; a failure removes every folder already moved. A sample already in the
project (same dataset, subject and name) keeps its image; its label is updated if it changed.
"""

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from annotator.datasets.base import DatasetError, FrameFile
from annotator.datasets.maps import APEX, DEFAULT_LABEL_NAMES, MAPS, UNMATCHED, MapPlan, MapRow, map_plan
from annotator.datasets.sheets import normalise_header
from annotator.datasets.staging import stage_frames
from annotator.jobkinds import INGEST
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Project, Subject
from annotator.services.datasets import dataset_coder, frame_limits
from annotator.services.events import event_snapshot
from annotator.services.jobs import job_create, job_enqueue_on_commit
from annotator.validation import validate_subject_code

Tick = Callable[[float, str], None]
SOURCE_KINDS = {MAPS: Clip.SourceKind.MAP, APEX: Clip.SourceKind.APEX}


def sample_subject_code(row: MapRow) -> str:
    """Subjects of different datasets never share a code: the dataset, normalised, is the prefix."""
    try:
        return validate_subject_code(f"{normalise_header(row.dataset)}-{row.subject}")
    except ValidationError:
        raise DatasetError(f"line {row.line}: subject {row.subject!r} of {row.dataset!r} is not a valid "
                           "pseudonym (1-32 letters, digits, '.', '_' or '-').") from None


def _existing(project: Project, kind: str) -> dict[tuple[str, str], Clip]:
    return {(clip.subject.code, clip.name): clip for clip in
            Clip.objects.filter(project=project, source_kind=SOURCE_KINDS[kind]).select_related("subject")}


def _stage_one(row: MapRow, dest: Path | None, plan: MapPlan) -> tuple[int, int]:
    """Check the image's header (then, with dest, write frame 0 and for maps maps.npy); (width, height)."""
    staged = stage_frames([FrameFile(0, row.image)], dest / "frames" if dest else None, limits=frame_limits(),
                          root=plan.root)
    if dest is not None and plan.kind == MAPS:
        import cv2
        import numpy as np

        image = cv2.imread(str(row.image), cv2.IMREAD_COLOR)
        if image is None:
            raise DatasetError(f"{row.image.relative_to(plan.root)}: the image cannot be decoded.")
        maps = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).transpose(2, 0, 1).astype(np.float32) / 255.0
        np.save(dest / "maps.npy", np.ascontiguousarray(maps), allow_pickle=False)
    return staged.width, staged.height


def _stage(plan: MapPlan, todo: list[MapRow], staging: Path | None, progress: Tick | None) -> dict[int, tuple]:
    out = {}
    for index, row in enumerate(todo):
        dest = staging / str(index) if staging is not None else None
        out[row.line] = (_stage_one(row, dest, plan), dest)
        if progress is not None:
            progress((index + 1) / max(1, len(todo)), f"{'copied' if staging else 'checked'} {index + 1} of "
                                                      f"{len(todo)} images")
    return out


def _label_event(clip: Clip, row: MapRow, coder) -> bool:
    """The sample's label as a reviewed event on frame 0; True if it is new."""
    fields = {"kind": "micro", "emotion": row.label, "status": CodingEvent.Status.REVIEWED}
    event, created = CodingEvent.objects.get_or_create(clip=clip, coder=coder, onset=0, apex=0, offset=0,
                                                       defaults=fields)
    action = EventRevision.Action.CREATE
    if not created:
        if event.emotion == row.label and event.status == CodingEvent.Status.REVIEWED:
            return False
        event.emotion, event.status, event.version = row.label, CodingEvent.Status.REVIEWED, event.version + 1
        event.save()
        action = EventRevision.Action.UPDATE
    EventRevision.objects.create(event_id_value=event.pk, clip_id=clip.pk, version=event.version, action=action,
                                 snapshot=event_snapshot(event), changed_by=coder)
    return created


def _commit(project, plan, staged, existing, *, created_by, align, moved) -> tuple[int, int, list[str]]:
    new_clips = new_events = 0
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        labels = sorted({row.label for row in plan.imported} - set(project.emotion_labels))
        if labels:
            project.emotion_labels = [*project.emotion_labels, *labels]
            project.save(update_fields=["emotion_labels"])
        coder = dataset_coder(project=project)
        for row in plan.imported:
            code = sample_subject_code(row)
            clip = existing.get((code, row.name))
            if clip is None:
                subject, _ = Subject.objects.get_or_create(project=project, code=code)
                clip = _create_clip(project, plan, row, subject, staged[row.line], created_by, align, moved)
                new_clips += 1
            new_events += _label_event(clip, row, coder)
    notes = [f"added the emotions {', '.join(labels)} to the project"] if labels else []
    return new_clips, new_events, notes


def _create_clip(project, plan, row, subject, staged, created_by, align, moved) -> Clip:
    (width, height), folder = staged
    clip = Clip.objects.create(
        project=project, subject=subject, name=row.name, dataset=row.dataset,
        source=f"{plan.kind}:{row.image.relative_to(plan.root).as_posix()}"[:500], frame_numbers=[0],
        source_kind=SOURCE_KINDS[plan.kind], fps=None, frame_count=1, container_frame_count=1, width=width,
        height=height, codec="jpeg", status=Clip.Status.READY,
        face_status=Clip.FaceStatus.PENDING if plan.kind == APEX and align else Clip.FaceStatus.SKIPPED,
    )
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    if store.root.exists():  # left by a clip whose id the database hands out again
        shutil.rmtree(store.root)
    store.root.parent.mkdir(parents=True, exist_ok=True)
    os.replace(folder, store.root)
    moved.append(store.root)
    store.write_meta({"frame_count": 1, "width": width, "height": height, "dataset": row.dataset,
                      "kind": plan.kind, "label": row.label, "csv": row.extra})
    if plan.kind == APEX and align:
        job_enqueue_on_commit(job=job_create(kind=INGEST, project=project, clip=clip, created_by=created_by,
                                             params={"align": True}))
    return clip


def _report(plan: MapPlan, *, dry_run: bool, new_clips: int, new_events: int, notes: list[str]) -> dict:
    rows = [row.as_dict(plan.root) for row in plan.rows] + [
        {"line": None, "source": "", "dataset": "", "subject": "", "clip": path.relative_to(plan.root).as_posix(), "label": "",
         "image": path.relative_to(plan.root).as_posix(), "extra": {}, "outcome": UNMATCHED,
         "reasons": ["no CSV row names this image"]} for path in plan.unmatched]
    imported = plan.imported
    datasets = sorted({row.dataset for row in imported})
    return {
        "format": plan.kind, "dataset": ", ".join(datasets)[:64], "dry_run": dry_run, "notes": notes,
        "summary": {
            "clips_found": len(imported), "clips_new": new_clips, "clips_existing": len(imported) - new_clips,
            "frames": len(imported), "rows": len(plan.rows), "rows_imported": len(imported), "rows_flagged": 0,
            "rows_skipped": len(plan.rows) - len(imported), "images_unmatched": len(plan.unmatched),
            "events_new": new_events,
            "per_dataset": {name: sum(1 for row in imported if row.dataset == name) for name in datasets},
        },
        "rows": rows,
    }


def map_import(*, project: Project, root: Path, labels: Path, kind: str = MAPS, created_by=None,
               dry_run: bool = False, align: bool | None = None,
               label_names: tuple[str, ...] = DEFAULT_LABEL_NAMES, progress: Tick | None = None) -> dict:
    """Import the images under root labelled by the CSV `labels`; return the report. dry_run: check, write nothing."""
    plan = map_plan(Path(root), Path(labels), kind=kind, label_names=tuple(label_names))
    for row in plan.imported:
        sample_subject_code(row)
    existing = _existing(project, kind)
    todo = [row for row in plan.imported if (sample_subject_code(row), row.name) not in existing]
    new_labels = sorted({row.label for row in plan.imported} - set(project.emotion_labels))
    label_note = [f"would add the emotions {', '.join(new_labels)} to the project"] if new_labels else []
    if dry_run:
        _stage(plan, todo, None, progress)
        return _report(plan, dry_run=True, new_clips=len(todo), new_events=0, notes=label_note)
    align = settings.MESTUDIO_INGEST["ALIGN_FACES"] if align is None else align
    staging = Path(settings.MEDIA_ROOT) / "imports" / f"staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    moved: list[Path] = []
    try:
        staged = _stage(plan, todo, staging, progress)
        new_clips, new_events, notes = _commit(project, plan, staged, existing, created_by=created_by,
                                               align=align, moved=moved)
    except BaseException:
        for folder in moved:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _report(plan, dry_run=False, new_clips=new_clips, new_events=new_events, notes=notes)
