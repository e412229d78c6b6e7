"""SMIC-E (long SMIC-HS clips): s01/s01_ne_01/image%06d.bmp; SMIC-HS-E_annotation.xlsx with Subject,
Filename, FirstF, OnsetF, OffsetF, Emotion (free text may follow the last row).

The sheet gives absolute frame numbers. When a folder's first file number is FirstF, files carry the
absolute numbers; otherwise they are clip-relative and a sheet number maps to number - FirstF + first file
number (the row says which was used).
"""

import re
from annotator.datasets.base import ClipSource, SheetRow, register
from annotator.datasets.formats.smic import pad_subject
from annotator.datasets.sheets import cell_text
from annotator.datasets.tabular import SheetFormat, digits


@register
class SmicE(SheetFormat):
    name = "smic_e"
    label = "SMIC-E"
    fps = 100.0
    has_apex = False
    frame_pattern = re.compile(r"^image(\d+)\.(?:bmp|jpg)$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^smic.*annotation", re.IGNORECASE)
    sheet_what = "SMIC-E annotation sheet (SMIC-HS-E_annotation.xlsx)"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "OnsetF", "offset": "OffsetF",
               "emotion": "Emotion", "first": "FirstF"}
    notes = ("SMIC-E codes no apex: imported events have none.",)

    def clip_key(self, parts):
        if len(parts) >= 2 and re.fullmatch(r"s\d+", parts[-2], re.IGNORECASE):
            return pad_subject(parts[-2]), pad_subject(parts[-1])
        return None

    def subject_code(self, cell):
        number = digits(cell)
        return f"s{number:02d}" if number is not None else ""

    def clip_name(self, record):
        return pad_subject(cell_text(record[self.column("clip")]))

    def adjust(self, row: SheetRow, record: dict, clips: dict[tuple[str, str], ClipSource]) -> None:
        clip = clips.get((row.subject, row.clip))
        first = digits(record.get(self.column("first")))
        if clip is None or first is None:
            return
        first_file = clip.frames[0].number
        if first_file != first:
            row.frame_shift = first_file - first
            row.source += (f"; frame files start at {first_file}, FirstF is {first}: sheet numbers shifted by "
                             f"{row.frame_shift}")
