"""Agreement between coders from plain codings: per matched event pair, per clip and coder pair, per coder pair,
per project. Pure: the selectors build the input from the database after the permission filter.

Events of two coders on a clip are paired one-to-one by temporal IoU >= 0.5 (matching.py). On matched pairs:
the AU agreement ratio (2 x AUs both scored / AUs scored by each, pooled by summing), Cohen's kappa of the
emotion labels (pairs where both gave one), absolute onset / apex / offset differences and the IoU. Event
agreement is 2 x matched / (events of A + events of B). With three or more coders, events are grouped across
coders (each coder's events matched to the groups so far) and the emotion labels of the groups give
Krippendorff's alpha (missing labels allowed) and Fleiss' kappa (groups every coder labelled).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from annotator.agreement.matching import match_intervals
from annotator.agreement.measures import (
    agreement_ratio, au_agreement, cohen_kappa, fleiss_kappa, krippendorff_nominal, mean, median,
)


@dataclass(frozen=True)
class Code:
    event_id: int
    onset: int
    apex: int | None
    offset: int
    emotion: str
    aus: frozenset[int]


@dataclass(frozen=True)
class ClipCoding:
    clip_id: int
    clip: str
    subject: str
    dataset: str
    codes: dict[str, list[Code]]  # by coder name


@dataclass(frozen=True)
class PairRow:
    """One event of a pair of coders on a clip: matched (both set) or coded by one of them only."""
    clip_id: int
    clip: str
    subject: str
    dataset: str
    coder_a: str
    coder_b: str
    a: Code | None
    b: Code | None
    iou: float | None

    def difference(self, name: str) -> int | None:
        if self.a is None or self.b is None or getattr(self.a, name) is None or getattr(self.b, name) is None:
            return None
        return abs(getattr(self.a, name) - getattr(self.b, name))

    @property
    def au_terms(self) -> tuple[int, int] | None:
        return au_agreement(self.a.aus, self.b.aus) if self.a is not None and self.b is not None else None


@dataclass
class Summary:
    """Figures over a set of PairRows (one clip and pair, one pair, or all pairs)."""
    events_a: int = 0
    events_b: int = 0
    matched: int = 0
    au_agreed: int = 0
    au_total: int = 0
    labels_a: list[str] = field(default_factory=list)
    labels_b: list[str] = field(default_factory=list)
    onset: list[int] = field(default_factory=list)
    apex: list[int] = field(default_factory=list)
    offset: list[int] = field(default_factory=list)
    ious: list[float] = field(default_factory=list)

    def add(self, row: PairRow) -> None:
        self.events_a += row.a is not None
        self.events_b += row.b is not None
        if row.a is None or row.b is None:
            return
        self.matched += 1
        agreed, total = row.au_terms
        self.au_agreed += agreed
        self.au_total += total
        if row.a.emotion and row.b.emotion:
            self.labels_a.append(row.a.emotion)
            self.labels_b.append(row.b.emotion)
        for name in ("onset", "apex", "offset"):
            value = row.difference(name)
            if value is not None:
                getattr(self, name).append(value)
        self.ious.append(row.iou)

    def figures(self) -> dict:
        both = self.events_a + self.events_b
        agreeing = sum(a == b for a, b in zip(self.labels_a, self.labels_b))
        return {
            "events_a": self.events_a, "events_b": self.events_b, "matched": self.matched,
            "event_agreement": 2 * self.matched / both if both else None,
            "au_ratio": agreement_ratio(self.au_agreed, self.au_total),
            "emotion_pairs": len(self.labels_a),
            "emotion_percent": agreeing / len(self.labels_a) if self.labels_a else None,
            "cohen_kappa": cohen_kappa(self.labels_a, self.labels_b),
            "mean_onset_diff": mean(self.onset), "mean_apex_diff": mean(self.apex),
            "mean_offset_diff": mean(self.offset), "median_apex_diff": median(self.apex),
            "mean_iou": mean(self.ious),
        }


def pair_rows(clip: ClipCoding, coder_a: str, coder_b: str) -> list[PairRow]:
    first, second = clip.codes.get(coder_a, []), clip.codes.get(coder_b, [])
    matches = match_intervals([(c.onset, c.offset) for c in first], [(c.onset, c.offset) for c in second])
    base = {"clip_id": clip.clip_id, "clip": clip.clip, "subject": clip.subject, "dataset": clip.dataset,
            "coder_a": coder_a, "coder_b": coder_b}
    rows = [PairRow(**base, a=first[i], b=second[j], iou=iou) for i, j, iou in sorted(matches)]
    matched_a, matched_b = {i for i, _, _ in matches}, {j for _, j, _ in matches}
    rows += [PairRow(**base, a=code, b=None, iou=None) for i, code in enumerate(first) if i not in matched_a]
    rows += [PairRow(**base, a=None, b=code, iou=None) for j, code in enumerate(second) if j not in matched_b]
    return rows


def coder_pairs(clip: ClipCoding, only: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    coders = sorted(name for name, codes in clip.codes.items() if codes)
    pairs = list(combinations(coders, 2))
    if only is not None:
        pairs = [pair for pair in pairs if set(pair) == set(only)]
    return pairs


def emotion_groups(clip: ClipCoding) -> list[dict[str, str | None]]:
    """Events grouped across all coders of a clip: {coder: emotion or None} per group (a coder absent from a
    group did not code that movement). Each coder's events are matched one-to-one to the groups so far by the
    interval of the group's first event."""
    groups: list[tuple[tuple[int, int], dict[str, str | None]]] = []
    for coder in sorted(clip.codes):
        codes = clip.codes[coder]
        matches = match_intervals([interval for interval, _ in groups], [(c.onset, c.offset) for c in codes])
        taken = set()
        for g, j, _ in matches:
            groups[g][1][coder] = codes[j].emotion or None
            taken.add(j)
        groups += [((c.onset, c.offset), {coder: c.emotion or None}) for j, c in enumerate(codes) if j not in taken]
    return [labels for _, labels in groups]


@dataclass(frozen=True)
class Agreement:
    rows: list[PairRow]
    by_pair: dict[tuple[str, str], dict]
    by_clip: list[dict]
    overall: dict
    per_au: list[dict]
    coders: list[str]
    krippendorff_alpha: float | None
    fleiss_kappa: float | None


def agreement(clips: list[ClipCoding], *, pair: tuple[str, str] | None = None) -> Agreement:
    rows: list[PairRow] = []
    by_clip = []
    for clip in clips:
        for coder_a, coder_b in coder_pairs(clip, pair):
            clip_rows = pair_rows(clip, coder_a, coder_b)
            rows += clip_rows
            summary = Summary()
            for row in clip_rows:
                summary.add(row)
            by_clip.append({"clip_id": clip.clip_id, "clip": clip.clip, "subject": clip.subject,
                            "dataset": clip.dataset, "coder_a": coder_a, "coder_b": coder_b, **summary.figures()})
    pair_summaries: dict[tuple[str, str], Summary] = defaultdict(Summary)
    overall = Summary()
    for row in rows:
        pair_summaries[(row.coder_a, row.coder_b)].add(row)
        overall.add(row)
    coders = sorted({name for clip in clips for name, codes in clip.codes.items() if codes
                     and (pair is None or name in pair)})
    matrix_units = [group for clip in clips for group in emotion_groups(
        ClipCoding(clip.clip_id, clip.clip, clip.subject, clip.dataset,
                   {name: codes for name, codes in clip.codes.items() if name in coders}))]
    complete = [[group[name] for name in coders] for group in matrix_units
                if all(group.get(name) for name in coders)]
    return Agreement(
        rows=rows, by_pair={key: summary.figures() for key, summary in sorted(pair_summaries.items())},
        by_clip=by_clip, overall=overall.figures(), per_au=per_au_agreement(rows), coders=coders,
        krippendorff_alpha=krippendorff_nominal([[group.get(name) for group in matrix_units] for name in coders])
        if len(coders) >= 2 else None,
        fleiss_kappa=fleiss_kappa(complete) if len(coders) >= 3 else None,
    )


def per_au_agreement(rows: list[PairRow]) -> list[dict]:
    """Per AU over matched events: scored by both, by A only, by B only, and 2 x both / (scored by A + by B)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        if row.a is None or row.b is None:
            continue
        for au in row.a.aus | row.b.aus:
            counts[au][0 if au in row.a.aus and au in row.b.aus else 1 if au in row.a.aus else 2] += 1
    return [{"au": au, "both": both, "only_a": only_a, "only_b": only_b,
             "ratio": agreement_ratio(both, 2 * both + only_a + only_b)}
            for au, (both, only_a, only_b) in sorted(counts.items())]
