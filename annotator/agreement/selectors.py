"""Agreement over what the asking user may see: the events pass permissions.event_visible_q first, so a coder
gets figures only where blindness has ended (or against gold codes), never the other coder's timings before."""

from collections import defaultdict

from annotator.agreement.compute import Agreement, ClipCoding, Code, agreement
from annotator.models import CodingEvent, Project
from annotator.permissions import event_visible_q

# Drafts are work in progress; agreement compares finished codings.
AGREEMENT_STATUSES = (CodingEvent.Status.SUBMITTED, CodingEvent.Status.REVIEWED)
MAX_EVENTS = 50_000


def agreement_codings(user, role: str | None, project: Project, *, subject: str = "", dataset: str = "",
                      coders: tuple[str, str] | None = None) -> list[ClipCoding]:
    events = (CodingEvent.objects.filter(event_visible_q(user, role), clip__project=project,
                                         status__in=AGREEMENT_STATUSES)
              .select_related("clip__subject", "coder").order_by("clip__subject__code", "clip__name", "clip_id",
                                                                 "onset", "id"))
    if subject:
        events = events.filter(clip__subject__code=subject)
    if dataset:
        events = events.filter(clip__dataset=dataset)
    if coders:
        events = events.filter(coder__username__in=coders)
    clips: dict[int, ClipCoding] = {}
    codes: dict[int, dict[str, list[Code]]] = defaultdict(lambda: defaultdict(list))
    for event in events[:MAX_EVENTS]:
        clip = event.clip
        clips.setdefault(clip.pk, ClipCoding(clip.pk, clip.name, clip.subject.code, clip.dataset, codes[clip.pk]))
        codes[clip.pk][event.coder.username].append(Code(
            event.pk, event.onset, event.apex, event.offset, event.emotion,
            frozenset(int(au["number"]) for au in event.aus)))
    return [ClipCoding(c.clip_id, c.clip, c.subject, c.dataset, dict(codes[c.clip_id])) for c in clips.values()]


def project_agreement(user, role: str | None, project: Project, *, subject: str = "", dataset: str = "",
                      coder_a: str = "", coder_b: str = "") -> Agreement:
    """Agreement figures of `project` as `user` may see them, filtered by subject, dataset and coder pair."""
    pair = (coder_a, coder_b) if coder_a and coder_b else None
    clips = agreement_codings(user, role, project, subject=subject, dataset=dataset, coders=pair)
    return agreement(clips, pair=pair)


def agreement_choices(project: Project) -> dict:
    """Filter choices: subjects and datasets of the project (names only; no codes)."""
    return {
        "subjects": list(project.subjects.order_by("code").values_list("code", flat=True)),
        "datasets": sorted(set(project.clips.exclude(dataset="").values_list("dataset", flat=True))),
        "coders": list(project.memberships.order_by("user__username").values_list("user__username", flat=True)),
    }
