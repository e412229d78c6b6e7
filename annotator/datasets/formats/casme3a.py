"""CAS(ME)^3 part A: spNO.1/b/color/175.jpg (depth beside color); sheet `label` of the part A workbook.

Several rows may share Subject + Filename: several events in one video, one clip.
"""

import re

from annotator.datasets.base import register
from annotator.datasets.tabular import SheetFormat, digits

SUBJECT = re.compile(r"sp\s*no\.?\s*(\d+)", re.IGNORECASE)


def subject_code(text: str) -> str:
    match = SUBJECT.fullmatch(text.strip())
    return f"spNO.{int(match.group(1))}" if match else ""


@register
class Casme3A(SheetFormat):
    name = "casme3a"
    label = "CAS(ME)^3-A"
    fps = 30.0
    frame_pattern = re.compile(r"^(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"part_?a.*label|label.*part_?a", re.IGNORECASE)
    sheet_what = "CAS(ME)^3 part A label sheet (cas(me)3_part_A_ME_label*.xlsx)"
    sheet_name = "label"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "Onset", "apex": "Apex",
               "offset": "Offset", "aus": "AU", "emotion": "emotion"}

    def clip_key(self, parts):
        if len(parts) >= 3 and parts[-1].lower() == "color" and subject_code(parts[-3]):
            return subject_code(parts[-3]), parts[-2]
        return None

    def subject_code(self, cell):
        code = subject_code(str(cell or ""))
        return code or (f"spNO.{digits(cell)}" if digits(cell) is not None else "")
