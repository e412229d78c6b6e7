"""CAS(ME)^2: rawpic/s15/15_0101disgustingteeth/img1.jpg; CAS(ME)^2code_final.xlsx.

The first sheet (named CASFEcode_final or CASMEcode_final: read by position) has no header:
subject number, name_index (anger1_1), onset, apex, offset (0 = missing: the apex is used), AUs,
emotion, type (macro-expression / micro-expression), self-report. Sheet `naming rule1` maps the
sheet's subject number (third column) to the rawpic subject (second column, `15` or `s15`); sheet
`naming rule2` maps a video code (`0401`, first column) to a video name (`anger1`, second column).
A clip folder is `<rawpic subject number>_<video code><description>`.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from annotator.datasets.base import ClipSource, DatasetError, SheetRow, register
from annotator.datasets.sheets import cell_text, find_sheet, normalise_header, read_sheet, sheet_names
from annotator.datasets.tabular import SheetFormat, digits


@register
class CasmeSquare(SheetFormat):
    name = "casme_sq"
    label = "CAS(ME)^2"
    fps = 30.0
    frame_pattern = re.compile(r"^img(\d+)\.jpg$", re.IGNORECASE)
    sheet_pattern = re.compile(r"code_?final", re.IGNORECASE)
    sheet_what = "CAS(ME)^2 coding workbook (CAS(ME)^2code_final.xlsx)"
    columns = {}
    notes = ("CAS(ME)^2: an offset of 0 means the offset was not coded; the apex is used as the offset and "
             "the row is flagged.",)

    def clip_key(self, parts):
        if len(parts) >= 2 and re.fullmatch(r"s\d+", parts[-2], re.IGNORECASE):
            return f"s{int(parts[-2][1:]):02d}", parts[-1]
        return None

    def _mapping(self, path: Path, names: list[str], wanted: str, position: int, key: int, value: int) -> dict:
        sheet = next((name for name in names if normalise_header(name) == wanted), None)
        if sheet is None and len(names) > position:
            sheet = names[position]
        if sheet is None:
            raise DatasetError(f"The workbook {path.name} has no sheet {wanted!r}.")
        return {
            cell_text(row[key]): cell_text(row[value]) for row in read_sheet(path, sheet=sheet)
            if len(row) > max(key, value) and row[key] is not None and row[value] is not None
        }

    def rows(self, root: Path, clips: dict[tuple[str, str], ClipSource]) -> Iterator[SheetRow]:
        path = find_sheet(root, self.sheet_pattern, self.sheet_what)
        names = sheet_names(path)
        subjects = self._mapping(path, names, "namingrule1", 1, key=2, value=1)
        videos = {name.lower(): code for code, name in
                  self._mapping(path, names, "namingrule2", 2, key=0, value=1).items()}
        folders = {}
        for subject, clip in clips:
            match = re.match(r"(\d+)_(\d+)", clip)
            if match:
                folders.setdefault((subject, match.group(2)), clip)
        for index, row in enumerate(read_sheet(path, sheet=0)):
            row = row + [None] * (9 - len(row))
            if all(cell is None for cell in row[:5]):
                continue
            notes = []
            number = digits(row[0])
            rawpic = subjects.get(cell_text(row[0]))
            subject = f"s{digits(rawpic):02d}" if rawpic and digits(rawpic) is not None else ""
            if not subject:
                notes.append(f"subject {cell_text(row[0])!r} is not in the sheet 'naming rule1'")
                subject = f"s{number:02d}" if number is not None else ""
            video = cell_text(row[1]).split("_")[0].lower()
            code = videos.get(video, "")
            if not code:
                notes.append(f"video {video!r} is not in the sheet 'naming rule2'")
            clip = folders.get((subject, code.zfill(4)), folders.get((subject, code), f"{video} (no folder)"))
            offset = row[4]
            if digits(offset) == 0:
                notes.append("offset 0 (not coded): the apex is used as the offset")
                offset = row[3]
            apex = row[3]
            if digits(apex) == 0:
                notes.append("apex 0 (not coded)")
                apex = None
            kind = "macro" if cell_text(row[7]).lower().startswith("macro") else "micro"
            yield SheetRow(line=index + 1, subject=subject, clip=clip, onset=row[2], apex=apex, offset=offset,
                           aus=row[5], emotion=row[6], kind=kind, notes=notes, source=path.name)
