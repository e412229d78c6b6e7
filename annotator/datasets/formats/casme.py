"""CASME (I): two sections, each with its own sheet; 60 fps.

Layout from public loaders (tvaranka/meb, ReturnYG/MicroExpressionRecognition):
`CASME_A/Section A/sub07/EP01_6/EP01_6-1.jpg` (or `img1.jpg`), sheets `Section A.xls` and `Section B.xls`
with `Subject, Filename, <blank>, OnsetF, ApexF1, ApexF2, OffsetF, <blank>, Action Units, ..., Emotion`.
Only ApexF1 is read as the apex; ApexF2 (a second apex some rows give) is reported, not used.
"""

import re
from pathlib import Path

from annotator.datasets.base import register
from annotator.datasets.sheets import SHEET_SUFFIXES
from annotator.datasets.tabular import SubFolderSheetFormat


@register
class Casme(SubFolderSheetFormat):
    name = "casme"
    label = "CASME"
    fps = 60.0
    frame_pattern = re.compile(r"^(?:.+-|img)0*(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^section\s*[ab]\b", re.IGNORECASE)
    sheet_what = "CASME section sheet (Section A.xls, Section B.xls)"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "OnsetF", "apex": "ApexF1",
               "offset": "OffsetF", "aus": "Action Units", "emotion": "Emotion"}
    notes = ("CASME: the apex is the sheet's ApexF1; ApexF2 is not imported.",)

    def sheet_paths(self, root: Path) -> list[Path]:
        found = sorted(
            path for path in root.rglob("*")
            if path.suffix.lower() in SHEET_SUFFIXES and self.sheet_pattern.search(path.name) and path.is_file()
            and not path.is_symlink()
        )
        return found or super().sheet_paths(root)
