"""What a composite build would take: per source dataset, class counts, clips and subjects, and what
the mapping drops. Shown before building (the composite page, `build_composite --dry-run`)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from annotator.composites.mappings import LabelMapping, clip_key, dataset_name, subject_key
from annotator.models import Clip, CodingEvent, Project

LABEL_STATUSES = {"reviewed": [CodingEvent.Status.REVIEWED],
                  "submitted": [CodingEvent.Status.SUBMITTED, CodingEvent.Status.REVIEWED]}


@dataclass
class CompositePlan:
    mapping: LabelMapping
    label_source: str
    items: list = field(default_factory=list)  # [(clip, dataset, [(event, class)])]
    counts: dict = field(default_factory=lambda: defaultdict(Counter))  # dataset -> class -> events
    subjects: dict = field(default_factory=lambda: defaultdict(set))  # dataset -> source subject codes
    dropped: dict = field(default_factory=lambda: defaultdict(Counter))  # dataset -> reason -> events

    @property
    def datasets(self) -> list[str]:
        return sorted(set(self.counts) | set(self.dropped))

    def table(self) -> list[dict]:
        """One row per source dataset: events per class, clips, subjects, dropped; and a total row."""
        rows = []
        for dataset in self.datasets:
            clips = sum(1 for _clip, name, _events in self.items if name == dataset)
            rows.append({"dataset": dataset, "classes": [self.counts[dataset][c] for c in self.mapping.classes],
                         "clips": clips, "subjects": len(self.subjects[dataset]),
                         "dropped": dict(self.dropped[dataset])})
        rows.append({"dataset": "total", "classes": [sum(self.counts[d][c] for d in self.counts)
                                                     for c in self.mapping.classes],
                     "clips": len(self.items), "subjects": sum(len(s) for s in self.subjects.values()),
                     "dropped": dict(sum((self.dropped[d] for d in self.dropped), Counter()))})
        return rows

    @property
    def n_events(self) -> int:
        return sum(sum(counter.values()) for counter in self.counts.values())


def composite_plan(*, sources: list[Project], mapping: LabelMapping, label_source: str = "reviewed",
                   truth: dict | None = None) -> CompositePlan:
    """`truth`: the official ground truth ((dataset, subject, clip) -> class); it then decides each clip's class."""
    plan = CompositePlan(mapping=mapping, label_source=label_source)
    events = (CodingEvent.objects.filter(clip__project__in=sources, clip__status=Clip.Status.READY,
                                         status__in=LABEL_STATUSES[label_source])
              .select_related("clip__subject", "clip__project").order_by("clip__project_id", "clip_id", "onset", "id"))
    by_clip: dict[int, list] = defaultdict(list)
    clips: dict[int, Clip] = {}
    for event in events:
        by_clip[event.clip_id].append(event)
        clips[event.clip_id] = event.clip
    for clip_id, clip_events in by_clip.items():
        clip = clips[clip_id]
        dataset = dataset_name(clip.dataset or clip.project.name)
        mapped = []
        for event in clip_events:
            if truth is not None:
                target = truth.get((dataset, subject_key(clip.subject.code), clip_key(clip.name)))
                reason = "not in the ground truth"
            else:
                target = mapping.target(dataset, event.emotion)
                reason = f"{event.emotion or 'no emotion'} (not mapped)"
            if target is None:
                plan.dropped[dataset][reason] += 1
                continue
            mapped.append((event, target))
            plan.counts[dataset][target] += 1
        if mapped:
            plan.items.append((clip, dataset, mapped))
            plan.subjects[dataset].add(clip.subject.code)
    return plan
