"""ELAN `.eaf`: a zip with one annotation document per clip (pympi-ling).

Per coder a tier `events <coder>` (value "emotion [kind, status]"), a tier `AUs <coder>` (FACS
notation) and a tier `apex <coder>` (the apex frame), all on the same time line. Times come from
frame ids and the clip's frame rate: frame f spans [f * 1000 / fps, (f + 1) * 1000 / fps) ms,
rounded to whole milliseconds; an event covers its onset frame to the end of its offset frame.
A coder's events that overlap go to a second layer (`events <coder> #2`): ELAN tiers do not overlap.
"""

import re
import zipfile
from collections import defaultdict
from pathlib import Path

from annotator.exports.notation import format_aus, parse_aus
from annotator.exports.rows import ExportRow

CARRIES = ("dataset", "subject", "clip", "onset_id", "apex_id", "offset_id", "emotion", "aus", "kind", "coder",
           "status", "fps")
EVENT_VALUE = re.compile(r"^(?P<emotion>.*) \[(?P<kind>\w+), (?P<status>\w+)\]$")
NO_EMOTION = "-"
MAX_ENTRY_BYTES = 64 << 20


def ms(frame: float, fps: float) -> int:
    return int(round(frame * 1000.0 / fps))


def frame_at(milliseconds: int, fps: float) -> int:
    return int(round(milliseconds * fps / 1000.0))


def _layers(rows) -> list[list[ExportRow]]:
    layers: list[list[ExportRow]] = []
    for row in sorted(rows, key=lambda r: (r.onset_id, r.offset_id)):
        for layer in layers:
            if layer[-1].offset_id < row.onset_id:
                layer.append(row)
                break
        else:
            layers.append([row])
    return layers


def clip_document(rows: list[ExportRow]):
    import pympi

    first = rows[0]
    eaf = pympi.Elan.Eaf(author="MEStudio")
    eaf.remove_tier("default")
    for key in ("dataset", "subject", "clip"):
        eaf.add_property(key, getattr(first, key))
    eaf.add_property("fps", repr(float(first.fps)))
    by_coder = defaultdict(list)
    for row in rows:
        by_coder[row.coder].append(row)
    for coder, mine in sorted(by_coder.items()):
        for index, layer in enumerate(_layers(mine)):
            suffix = f"{coder}" + (f" #{index + 1}" if index else "")
            for tier in ("events", "AUs", "apex"):
                eaf.add_tier(f"{tier} {suffix}")
            for row in layer:
                start, end = ms(row.onset_id, row.fps), ms(row.offset_id + 1, row.fps)
                eaf.add_annotation(f"events {suffix}", start, end,
                                   f"{row.emotion or NO_EMOTION} [{row.kind}, {row.status}]")
                eaf.add_annotation(f"AUs {suffix}", start, end, format_aus(row.aus))
                if row.apex_id is not None:
                    eaf.add_annotation(f"apex {suffix}", ms(row.apex_id, row.fps), ms(row.apex_id + 1, row.fps), "apex")
    return eaf


def write_eaf_zip(rows, path: Path) -> None:
    import pympi

    by_clip = defaultdict(list)
    for row in rows:
        by_clip[(row.subject, row.clip)].append(row)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (_key, clip_rows) in enumerate(sorted(by_clip.items()), start=1):
            # Entry names are numbers: clip names come from users and never become paths.
            archive.writestr(f"{index:05d}.eaf", pympi.Elan.to_string(clip_document(clip_rows), encoding="UTF-8"))


def _document_rows(eaf) -> list[ExportRow]:
    properties = dict(eaf.properties)
    fps = float(properties["fps"])
    rows = []
    for tier in sorted(eaf.get_tier_names()):
        if not tier.startswith("events "):
            continue
        suffix = tier.removeprefix("events ")
        coder = suffix.split(" #")[0]
        aus = {(s, e): v for s, e, v in eaf.get_annotation_data_for_tier(f"AUs {suffix}")}
        apexes = [s for s, _e, _v in eaf.get_annotation_data_for_tier(f"apex {suffix}")]
        for start, end, value in eaf.get_annotation_data_for_tier(tier):
            match = EVENT_VALUE.match(value)
            if match is None:
                raise ValueError(f"tier {tier!r}: {value!r} is not 'emotion [kind, status]'.")
            inside = [frame_at(s, fps) for s in apexes if start <= s < end]
            onset, offset = frame_at(start, fps), frame_at(end, fps) - 1
            emotion = match["emotion"]
            rows.append(ExportRow(
                dataset=properties["dataset"], subject=properties["subject"], clip=properties["clip"],
                onset=onset, apex=inside[0] if inside else None, offset=offset, onset_id=onset, offset_id=offset,
                apex_id=inside[0] if inside else None, emotion="" if emotion == NO_EMOTION else emotion,
                aus=tuple(parse_aus(aus.get((start, end), ""))), kind=match["kind"], status=match["status"],
                coder=coder, fps=fps,
            ))
    return rows


def parse_eaf_zip(path: Path) -> list[ExportRow]:
    import tempfile

    import pympi

    rows = []
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
        for info in archive.infolist():
            if not re.fullmatch(r"\d{5}\.eaf", info.filename) or info.file_size > MAX_ENTRY_BYTES:
                raise ValueError(f"Unexpected entry {info.filename!r} in the ELAN archive.")
            target = Path(folder) / info.filename
            target.write_bytes(archive.read(info))
            rows.extend(_document_rows(pympi.Elan.Eaf(str(target), suppress_version_warning=True)))
    return rows
