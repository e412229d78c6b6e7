"""MMEW: Micro_Expression/<emotion>/S01-01-001/15.jpg (frames from 1, unpadded); MMEW_Micro_Exp.xlsx."""

import re

from annotator.datasets.base import register
from annotator.datasets.tabular import SheetFormat, digits


@register
class Mmew(SheetFormat):
    name = "mmew"
    label = "MMEW"
    fps = 90.0
    frame_pattern = re.compile(r"^(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^mmew.*micro", re.IGNORECASE)
    sheet_what = "MMEW coding sheet (MMEW_Micro_Exp.xlsx)"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "OnsetFrame", "apex": "ApexFrame",
               "offset": "OffsetFrame", "aus": "Action Units", "emotion": "Estimated Emotion"}

    def clip_key(self, parts):
        match = re.fullmatch(r"S(\d+)-\d+-\d+", parts[-1], re.IGNORECASE) if parts else None
        return (f"S{int(match.group(1)):02d}", parts[-1].upper()) if match else None

    def subject_code(self, cell):
        number = digits(cell)
        return f"S{number:02d}" if number is not None else ""

    def clip_name(self, record):
        return super().clip_name(record).upper()
