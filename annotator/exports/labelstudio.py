"""Label Studio-style JSON: one task per clip, one annotation per coder, one `timelinelabels` region
per event (Label Studio's video timeline: ranges of 1-based frames, a label per region).

The rest of the code rides in each region's `meta`: apex frame, AUs in FACS notation, kind,
status, and onset / apex / offset in the dataset's own numbering.
"""

import json
from collections import defaultdict
from pathlib import Path

from annotator.exports.notation import format_aus, parse_aus
from annotator.exports.rows import ExportRow

CARRIES = ("dataset", "subject", "clip", "onset", "apex", "offset", "onset_id", "apex_id", "offset_id", "emotion",
           "aus", "kind", "coder", "status", "fps")
MAX_BYTES = 256 << 20


def _region(index: int, row: ExportRow) -> dict:
    return {
        "id": f"e{index}", "type": "timelinelabels", "from_name": "emotion", "to_name": "video",
        "value": {"ranges": [{"start": row.onset_id + 1, "end": row.offset_id + 1}],
                  "timelinelabels": [row.emotion] if row.emotion else []},
        "meta": {"apex": None if row.apex_id is None else row.apex_id + 1, "aus": format_aus(row.aus),
                 "kind": row.kind, "status": row.status,
                 "dataset_frames": {"onset": row.onset, "apex": row.apex, "offset": row.offset}},
    }


def write_tasks(rows, path: Path) -> None:
    by_clip = defaultdict(list)
    for row in rows:
        by_clip[(row.subject, row.clip)].append(row)
    tasks = []
    for task_id, ((subject, clip), clip_rows) in enumerate(sorted(by_clip.items()), start=1):
        by_coder = defaultdict(list)
        for row in clip_rows:
            by_coder[row.coder].append(row)
        first = clip_rows[0]
        tasks.append({
            "id": task_id,
            "data": {"video": f"clip-{task_id}", "dataset": first.dataset, "subject": subject, "clip": clip,
                     "fps": first.fps},
            "annotations": [{"completed_by": coder, "result": [_region(i, r) for i, r in enumerate(mine, start=1)]}
                            for coder, mine in sorted(by_coder.items())],
        })
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(tasks, handle, ensure_ascii=False, indent=1)


def _int_or_none(value):
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not a frame number.")
    return value


def parse_tasks(path: Path) -> list[ExportRow]:
    if Path(path).stat().st_size > MAX_BYTES:
        raise ValueError("The Label Studio file is too large.")
    with open(path, encoding="utf-8") as handle:
        tasks = json.load(handle)
    if not isinstance(tasks, list):
        raise ValueError("A Label Studio export is a list of tasks.")
    rows = []
    for task in tasks:
        data = task["data"]
        for annotation in task.get("annotations", []):
            for region in annotation["result"]:
                if region.get("type") != "timelinelabels":
                    continue
                (span,) = region["value"]["ranges"]
                labels = region["value"].get("timelinelabels") or [""]
                meta = region.get("meta", {})
                numbers = meta.get("dataset_frames", {})
                apex = _int_or_none(meta.get("apex"))
                rows.append(ExportRow(
                    dataset=str(data["dataset"]), subject=str(data["subject"]), clip=str(data["clip"]),
                    onset=_int_or_none(numbers["onset"]), apex=_int_or_none(numbers.get("apex")),
                    offset=_int_or_none(numbers["offset"]), onset_id=_int_or_none(span["start"]) - 1,
                    offset_id=_int_or_none(span["end"]) - 1, apex_id=None if apex is None else apex - 1,
                    emotion=str(labels[0]), aus=tuple(parse_aus(meta.get("aus", ""))), kind=str(meta.get("kind", "micro")),
                    status=str(meta.get("status", "")), coder=str(annotation["completed_by"]), fps=float(data["fps"]),
                ))
    return rows
