"""From a raw sheet row to an event on frame ids, or to the reasons it cannot be one. Nothing is guessed:
a missing apex stays missing and is reported, a frame number with no frame file skips the row.
"""

import re
from dataclasses import dataclass, field

from annotator.datasets.aus import parse_aus
from annotator.datasets.base import SheetRow
from annotator.datasets.sheets import cell_text

IMPORTED, FLAGGED, SKIPPED = "imported", "flagged", "skipped"


@dataclass
class PlannedEvent:
    onset: int
    apex: int | None
    offset: int
    kind: str
    emotion: str
    aus: list[dict]
    aus_raw: str


@dataclass
class RowOutcome:
    line: int
    subject: str
    clip: str
    sheet: dict  # the sheet's own onset / apex / offset text
    source: str = ""
    outcome: str = IMPORTED
    reasons: list[str] = field(default_factory=list)
    event: PlannedEvent | None = None

    def as_dict(self) -> dict:
        return {"line": self.line, "source": self.source, "subject": self.subject, "clip": self.clip,
                "sheet": self.sheet,
                "outcome": self.outcome, "reasons": self.reasons}


class _Missing(Exception):
    pass


def _frame_value(cell, name: str, reasons: list[str]) -> int | None:
    """An integer frame number; None (with a reason) for empty, `/`, negative or unreadable cells."""
    text = cell_text(cell)
    if not text:
        reasons.append(f"{name} is empty")
        return None
    if text == "/":
        reasons.append(f"{name} is '/'")
        return None
    if not re.fullmatch(r"-?\d+(\.0+)?", text):
        reasons.append(f"{name} {text!r} is not a frame number")
        return None
    value = int(float(text))
    if value < 0:
        reasons.append(f"{name} {value} (missing)")
        return None
    return value


def plan_row(row: SheetRow, numbering: list[int] | None, *, emotions: dict[str, str], au_set: set[int],
             has_apex: bool) -> RowOutcome:
    """numbering: the clip's frame numbers (index = frame id), None when the clip has no frame folder;
    emotions: the project's labels by their lower-case spelling."""
    outcome = RowOutcome(line=row.line, source=row.source, subject=row.subject, clip=row.clip,
                         reasons=list(row.notes), sheet={
        "onset": cell_text(row.onset), "apex": cell_text(row.apex), "offset": cell_text(row.offset),
    })
    blocking: list[str] = []
    if numbering is None:
        blocking.append(f"no frame folder for clip {row.subject}/{row.clip}")
    onset = _frame_value(row.onset, "onset", blocking)
    offset = _frame_value(row.offset, "offset", blocking)
    apex_reasons: list[str] = []
    apex = _frame_value(row.apex, "apex", apex_reasons) if has_apex else None
    outcome.reasons += apex_reasons
    if onset is not None and offset is not None and offset < onset:
        blocking.append(f"offset {offset} comes before onset {onset}")
    ids = {}
    if numbering is not None and not blocking:
        index = {number: frame_id for frame_id, number in enumerate(numbering)}
        span = f"the folder has frames {numbering[0]}-{numbering[-1]}"
        for name, value in (("onset", onset), ("apex", apex), ("offset", offset)):
            if value is None:
                continue
            frame_id = index.get(value + row.frame_shift)
            if frame_id is None:
                blocking.append(f"{name} frame {value} has no frame file ({span})")
            ids[name] = frame_id
    if not blocking and ids.get("apex") is not None and not ids["onset"] <= ids["apex"] <= ids["offset"]:
        outcome.reasons.append(f"apex {apex} lies outside onset {onset} - offset {offset}")
    aus = parse_aus(row.aus)
    if aus.unparsed:
        outcome.reasons.append(f"AU text {cell_text(row.aus)!r} could not be parsed ({', '.join(aus.unparsed)}); "
                               "AUs left empty, the text is kept")
    outside = sorted({au["number"] for au in aus.aus} - au_set)
    if outside:
        outcome.reasons.append(f"AU {', '.join(map(str, outside))} not in the project's AU set")
    emotion = cell_text(row.emotion).lower()
    if emotion in emotions:
        emotion = emotions[emotion]  # the project's own spelling (Happiness -> happiness, or the reverse)
    elif emotion:
        outcome.reasons.append(f"emotion {emotion!r} is not in the project's set")
    if blocking:
        outcome.outcome = SKIPPED
        outcome.reasons = blocking + outcome.reasons
        return outcome
    outcome.outcome = FLAGGED if outcome.reasons else IMPORTED
    outcome.event = PlannedEvent(
        onset=ids["onset"], apex=ids.get("apex"), offset=ids["offset"], kind=row.kind, emotion=emotion,
        aus=aus.aus, aus_raw=cell_text(row.aus)[:200],
    )
    return outcome
