"""CASME II: CASME2_RAW_selected/sub01/EP02_01f/img46.jpg; CASME2-coding-20140508.xlsx, one header row."""

import re

from annotator.datasets.base import register
from annotator.datasets.tabular import SubFolderSheetFormat


@register
class Casme2(SubFolderSheetFormat):
    name = "casme2"
    label = "CASME II"
    fps = 200.0
    frame_pattern = re.compile(r"^img(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"^casme2.*(coding|label)", re.IGNORECASE)
    sheet_what = "CASME II coding sheet (CASME2-coding-*.xlsx or CASME2_label*.xls)"
    columns = {"subject": "Subject", "clip": "Filename", "onset": "OnsetFrame", "apex": "ApexFrame",
               "offset": "OffsetFrame", "aus": "Action Units", "emotion": "Estimated Emotion"}
