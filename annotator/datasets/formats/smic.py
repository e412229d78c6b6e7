"""SMIC-HS: HS/s1/micro/{positive,negative,surprise}/s1_ne_01/image000123.bmp; no sheet.

The folders are the labels: one event per clip, onset = first frame, offset = last frame, emotion =
the folder's class. SMIC codes no apex: it stays empty (not guessed). Subjects are zero-padded
(s1 -> s01, s1_ne_01 -> s01_ne_01) as in the MEGC ground truth.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from annotator.datasets.base import ClipSource, DatasetFormat, SheetRow, register


def pad_subject(name: str) -> str:
    return re.sub(r"^s(\d+)", lambda m: f"s{int(m.group(1)):02d}", name, flags=re.IGNORECASE).lower()


@register
class SmicHS(DatasetFormat):
    name = "smic"
    label = "SMIC-HS"
    fps = 100.0
    has_apex = False
    frame_pattern = re.compile(r"^image(\d+)\.(?:bmp|jpg)$", re.IGNORECASE)
    notes = ("SMIC-HS codes no apex: imported events have none (not guessed from the middle frame).",
             "SMIC-HS has no sheet: each clip folder is one event spanning the whole clip, labelled by its folder.")

    def clip_key(self, parts):
        if len(parts) >= 4 and parts[-3].lower() == "micro" and re.fullmatch(r"s\d+", parts[-4], re.IGNORECASE):
            return pad_subject(parts[-4]), pad_subject(parts[-1])
        return None

    def rows(self, root: Path, clips: dict[tuple[str, str], ClipSource]) -> Iterator[SheetRow]:
        for line, clip in enumerate(sorted(clips.values(), key=lambda c: c.key), start=1):
            yield SheetRow(line=line, subject=clip.subject, clip=clip.name, onset=clip.frames[0].number,
                           apex=None, offset=clip.frames[-1].number, emotion=clip.folder.parent.name.lower(),
                           source=str(clip.folder.relative_to(root)))
