"""MEGC CSVs: the composite recognition ground truth and the spotting ground truth.

Composite (MEGC2019 layout): `dataset, sub, filename_o, label, apex, emotion`; label 0 negative,
1 positive, 2 surprise (datasets.md). Codes whose emotion is none of the three are left out:
the composite has no class for them.
Spotting: one row per movement, `dataset, sub, vid, onset, apex, offset, type` (micro / macro),
frames in the dataset's numbering.
"""

import csv
from pathlib import Path

from annotator.exports.rows import ExportRow
from annotator.exports.sheet import SheetError, _int, defuse, restore

MEGC_LABELS = {"negative": 0, "positive": 1, "surprise": 2}
COMPOSITE_COLUMNS = ("dataset", "sub", "filename_o", "label", "apex", "emotion")
COMPOSITE_CARRIES = ("dataset", "subject", "clip", "apex", "emotion")
SPOTTING_COLUMNS = ("dataset", "sub", "vid", "onset", "apex", "offset", "type")
SPOTTING_CARRIES = ("dataset", "subject", "clip", "onset", "apex", "offset", "kind")


def composite_rows(rows):
    return [row for row in rows if row.emotion in MEGC_LABELS]


def write_composite(rows, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COMPOSITE_COLUMNS)
        for row in composite_rows(rows):
            writer.writerow([defuse(row.dataset), defuse(row.subject), defuse(row.clip), MEGC_LABELS[row.emotion],
                             "" if row.apex is None else row.apex, row.emotion])


def write_spotting(rows, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SPOTTING_COLUMNS)
        for row in rows:
            writer.writerow([defuse(row.dataset), defuse(row.subject), defuse(row.clip), row.onset,
                             "" if row.apex is None else row.apex, row.offset, row.kind])


def _records(path: Path, columns) -> list[tuple[int, dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in columns if name not in (reader.fieldnames or [])]
        if missing:
            raise SheetError(f"The CSV lacks the columns {', '.join(missing)}.")
        return [(line, record) for line, record in enumerate(reader, start=2)]


def parse_composite(path: Path) -> list[ExportRow]:
    names = {code: name for name, code in MEGC_LABELS.items()}
    rows = []
    for line, record in _records(path, COMPOSITE_COLUMNS[:4]):
        label = _int(record["label"], "label", line)
        if label not in names:
            raise SheetError(f"row {line}: label {label} is not 0, 1 or 2.")
        rows.append(ExportRow(dataset=restore(record["dataset"]), subject=restore(record["sub"]),
                              clip=restore(record["filename_o"]), onset=0, offset=0, emotion=names[label],
                              apex=_int(record.get("apex"), "apex", line, required=False)))
    return rows


def parse_spotting(path: Path) -> list[ExportRow]:
    return [ExportRow(dataset=restore(record["dataset"]), subject=restore(record["sub"]), clip=restore(record["vid"]),
                      onset=_int(record["onset"], "onset", line), apex=_int(record["apex"], "apex", line, False),
                      offset=_int(record["offset"], "offset", line), kind=record["type"])
            for line, record in _records(path, SPOTTING_COLUMNS)]
