"""SAMM: SAMM/006/006_1_2/006_05562.jpg; SAMM_Micro_FACS_Codes_v2.xlsx with 13 text rows above the header."""

import re

from annotator.datasets.base import register
from annotator.datasets.tabular import SheetFormat, digits


@register
class Samm(SheetFormat):
    name = "samm"
    label = "SAMM"
    fps = 200.0
    frame_pattern = re.compile(r"^\d+_(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^samm.*facs", re.IGNORECASE)
    sheet_what = "SAMM coding sheet (SAMM_Micro_FACS_Codes*.xlsx)"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "Onset Frame", "apex": "Apex Frame",
               "offset": "Offset Frame", "aus": "Action Units", "emotion": "Estimated Emotion"}

    def clip_key(self, parts):
        if len(parts) >= 2 and re.fullmatch(r"\d+", parts[-2]) and parts[-1].startswith(parts[-2] + "_"):
            return f"{int(parts[-2]):03d}", parts[-1]
        return None

    def subject_code(self, cell):
        number = digits(cell)
        return f"{number:03d}" if number is not None else ""
