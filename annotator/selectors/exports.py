"""Reads for exports: the codes a filter selects, as plain rows with pseudonyms only."""

from annotator.exports.rows import ExportRow
from annotator.models import CodingEvent, Export, Project

STATUS_FILTERS = {
    "reviewed": [CodingEvent.Status.REVIEWED],
    "submitted": [CodingEvent.Status.SUBMITTED, CodingEvent.Status.REVIEWED],
    "all": list(CodingEvent.Status.values),
}
DATASET_CODER = "dataset"  # the importers' gold coder: not a person, exported under its own name


def coder_pseudonym(user) -> str:
    """Exports never carry names or e-mail addresses; a username can be a name, so coders become C<id>."""
    return DATASET_CODER if user.username == DATASET_CODER else f"C{user.pk}"


def event_row(event: CodingEvent) -> ExportRow:
    clip = event.clip
    number = clip.dataset_frame_number
    apex = event.apex
    return ExportRow(
        dataset=clip.dataset or clip.project.name, subject=clip.subject.code, clip=clip.name,
        onset=number(event.onset), apex=None if apex is None else number(apex), offset=number(event.offset),
        emotion=event.emotion, aus=tuple(dict(au) for au in event.aus), kind=event.kind,
        coder=coder_pseudonym(event.coder), status=event.status, onset_id=event.onset, apex_id=apex,
        offset_id=event.offset, fps=float(clip.fps or clip.project.default_fps), extra={"clip_id": clip.pk},
    )


def export_events(project: Project, filters: dict):
    events = (CodingEvent.objects.filter(clip__project=project, status__in=STATUS_FILTERS[filters.get("status", "reviewed")])
              .select_related("clip__subject", "clip__project", "coder")
              .order_by("clip__subject__code", "clip__name", "clip_id", "onset", "id"))
    if filters.get("coder"):
        events = events.filter(coder__username=filters["coder"])
    if filters.get("subject"):
        events = events.filter(clip__subject__code=filters["subject"])
    if filters.get("dataset"):
        events = events.filter(clip__dataset=filters["dataset"])
    return events


def subjects_without_consent(project: Project, filters: dict) -> list[str]:
    """Codes of the selected subjects with no recorded consent."""
    events = export_events(project, filters).filter(clip__subject__consent_given=False)
    return sorted(set(events.values_list("clip__subject__code", flat=True)))


def export_rows(project: Project, filters: dict, *, include_without_consent: bool) -> list[ExportRow]:
    events = export_events(project, filters)
    if not include_without_consent:
        events = events.filter(clip__subject__consent_given=True)
    return [event_row(event) for event in events.iterator(chunk_size=2000)]


def exports_of_project(project: Project):
    return Export.objects.filter(project=project).select_related("created_by")
