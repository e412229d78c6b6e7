"""SAMM Long Videos: 006_1/006_1_0001.jpg (4- or 5-digit padding); SAMM_LongVideos_V*_Release.xlsx,
sheet FACS_Movement_Only, text rows above the header; -1 means missing; the video is the first two
parts of the event's Filename (006_1_2 -> 006_1).
"""

import re

from annotator.datasets.base import register
from annotator.datasets.sheets import cell_text
from annotator.datasets.tabular import SheetFormat, digits


@register
class SammLongVideos(SheetFormat):
    name = "samm_lv"
    label = "SAMM-LV"
    fps = 200.0
    frame_pattern = re.compile(r"^\d+_\d+_(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^samm_?long", re.IGNORECASE)
    sheet_what = "SAMM Long Videos sheet (SAMM_LongVideos_V*_Release.xlsx)"
    sheet_name = "FACS_Movement_Only"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "Onset", "apex": "Apex", "offset": "Offset",
               "aus": "Action Units", "kind": "Type"}

    def clip_key(self, parts):
        match = re.fullmatch(r"(\d+)_\d+", parts[-1]) if parts else None
        return (f"{int(match.group(1)):03d}", parts[-1]) if match else None

    def subject_code(self, cell):
        number = digits(cell)
        return f"{number:03d}" if number is not None else ""

    def clip_name(self, record):
        name = cell_text(record[self.column("clip")])
        return "_".join(name.split("_")[:2])

    def event_kind(self, record):
        return "macro" if cell_text(record.get(self.column("kind"))).lower().startswith("macro") else "micro"
