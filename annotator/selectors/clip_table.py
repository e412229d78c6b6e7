"""The project page's clip table: filters, search and paging, with each clip's coding status and events per coder.

A page costs a fixed number of queries whatever the number of clips: the page of clips with its counts annotated
(one query, plus the paginator's count), the events per coder of that page (one aggregate), its ingest jobs (one),
and the filter choices (one each). Counts follow permissions.event_visible_q: blind coding hides what it hides here.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, Count, F, Q, Value, When

from annotator.models import Clip, CodingEvent
from annotator.permissions import event_visible_q, sees_all_events
from annotator.selectors.clips import SAMPLE_KINDS, any_clip_in_progress, latest_jobs_by_clip

PAGE_SIZE = 50
UNCODED, IN_PROGRESS, SUBMITTED, REVIEWED = "uncoded", "in progress", "submitted", "reviewed"
CODING_STATUSES = (UNCODED, IN_PROGRESS, SUBMITTED, REVIEWED)
FILTERS = ("subject", "dataset", "status", "coder", "q")


@dataclass(frozen=True)
class ClipFilters:
    subject: str = ""
    dataset: str = ""
    status: str = ""
    coder: str = ""
    q: str = ""
    page: str = "1"

    @classmethod
    def from_query(cls, query) -> "ClipFilters":
        return cls(**{name: query.get(name, "").strip()[:200] for name in FILTERS}, page=query.get("page", "1"))

    @property
    def as_query(self) -> str:
        return self.query()

    def query(self, **changes) -> str:
        """The filters as a query string (for paging links and the table's own refresh)."""
        values = {name: getattr(self, name) for name in FILTERS} | changes
        return urlencode({name: value for name, value in values.items() if value})


def _coding_status(user, role):
    """A lead or reviewer sees the status of everyone's codes; a coder, of their own."""
    basis = Q() if sees_all_events(role) else Q(events__coder=user)
    counts = {
        "n_basis": Count("events", filter=basis),
        "n_draft": Count("events", filter=basis & Q(events__status=CodingEvent.Status.DRAFT)),
        "n_reviewed": Count("events", filter=basis & Q(events__status=CodingEvent.Status.REVIEWED)),
    }
    status = Case(When(n_basis=0, then=Value(UNCODED)), When(n_draft__gt=0, then=Value(IN_PROGRESS)),
                  When(n_reviewed=F("n_basis"), then=Value(REVIEWED)), default=Value(SUBMITTED),
                  output_field=CharField())
    return counts, status


def clip_table_page(*, project, user, role, filters: ClipFilters) -> dict:
    counts, status = _coding_status(user, role)
    # Map and apex samples are listed on their own (project page, "Map samples"), not as clips to code.
    clips = (Clip.objects.filter(project=project).exclude(source_kind__in=SAMPLE_KINDS).select_related("subject")
             .annotate(**counts).annotate(coding_status=status))
    if filters.subject:
        clips = clips.filter(subject__code=filters.subject)
    if filters.dataset:
        clips = clips.filter(dataset=filters.dataset)
    if filters.status in CODING_STATUSES:
        clips = clips.filter(coding_status=filters.status)
    if filters.coder:
        coded = CodingEvent.objects.filter(event_visible_q(user, role), coder__username=filters.coder)
        clips = clips.filter(pk__in=coded.values("clip_id"))
    if filters.q:
        clips = clips.filter(name__icontains=filters.q)
    page: Page = Paginator(clips.order_by("subject__code", "name", "id"), PAGE_SIZE).get_page(filters.page)
    rows = list(page.object_list)
    per_coder: dict[int, list[tuple[str, int]]] = {}
    for row in (CodingEvent.objects.filter(event_visible_q(user, role), clip__in=rows)
                .values("clip_id", "coder__username").annotate(n=Count("id")).order_by("clip_id", "coder__username")):
        per_coder.setdefault(row["clip_id"], []).append((row["coder__username"], row["n"]))
    jobs = latest_jobs_by_clip(rows)
    return {
        "rows": [(clip, jobs.get(clip.pk), per_coder.get(clip.pk, [])) for clip in rows],
        "page": page, "filters": filters, "polling": any_clip_in_progress(rows),
        "choices": {
            "subjects": list(project.subjects.order_by("code").values_list("code", flat=True)),
            "datasets": list(Clip.objects.filter(project=project).exclude(dataset="").order_by("dataset")
                             .values_list("dataset", flat=True).distinct()),
            "statuses": CODING_STATUSES,
            "coders": list(project.memberships.order_by("user__username").values_list("user__username", flat=True)),
        },
    }
