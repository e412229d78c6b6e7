"""The common shape of most formats: one coding sheet with a header row, one row per event."""

import re
from collections.abc import Iterator
from pathlib import Path

from annotator.datasets.base import ClipSource, DatasetFormat, SheetRow
from annotator.datasets.sheets import cell_text, find_sheet, normalise_header, read_sheet, records, sheet_names


def digits(cell) -> int | None:
    match = re.search(r"\d+", cell_text(cell))
    return int(match.group()) if match else None


class SheetFormat(DatasetFormat):
    sheet_pattern: re.Pattern
    sheet_what: str = "coding sheet"
    sheet_name: str | None = None  # read this sheet when the workbook has it, else the first one
    # Event field -> header name; subject, clip, onset, apex and offset are required.
    columns: dict[str, str]

    def subject_code(self, cell) -> str:
        return cell_text(cell)

    def own_subject(self, cell):
        """The sheet's subject cell without the "<format>-" prefix MEStudio's codes carry (see
        services.datasets.subject_code_for), so a sheet MEStudio exported imports to the same subjects."""
        text = cell_text(cell)
        prefix = f"{self.name}-"
        return text[len(prefix):] if text.lower().startswith(prefix) else cell

    def clip_name(self, record: dict) -> str:
        return cell_text(record[self.column("clip")])

    def event_kind(self, record: dict) -> str:
        return "micro"

    def column(self, field: str) -> str:
        return normalise_header(self.columns.get(field, ""))

    def sheet_paths(self, root: Path) -> list[Path]:
        return [find_sheet(root, self.sheet_pattern, self.sheet_what)]

    def pick_sheet(self, path: Path) -> int | str:
        if self.sheet_name is None or path.suffix.lower() == ".csv":
            return 0
        wanted = normalise_header(self.sheet_name)
        return next((name for name in sheet_names(path) if normalise_header(name) == wanted), 0)

    def rows(self, root: Path, clips: dict[tuple[str, str], ClipSource]) -> Iterator[SheetRow]:
        required = tuple(self.columns[field] for field in ("subject", "clip", "onset", "offset"))
        paths = self.sheet_paths(root)
        for path in paths:
            for line, record in records(read_sheet(path, sheet=self.pick_sheet(path)), required):
                row = SheetRow(
                    line=line, subject=self.subject_code(self.own_subject(record[self.column("subject")])),
                    clip=self.clip_name(record),
                    onset=record[self.column("onset")], apex=record.get(self.column("apex")),
                    offset=record[self.column("offset")], aus=record.get(self.column("aus")),
                    emotion=record.get(self.column("emotion")), kind=self.event_kind(record),
                    source=path.name,
                )
                self.adjust(row, record, clips)
                yield row

    def adjust(self, row: SheetRow, record: dict, clips: dict[tuple[str, str], ClipSource]) -> None:
        """A format's own touch on a row (a frame shift, a note); most formats need none."""


class SubFolderSheetFormat(SheetFormat):
    """The CASME family's layout: frames under sub<NN>/<clip>/, subjects written as numbers in the sheet."""

    def clip_key(self, parts):
        if len(parts) >= 2 and re.fullmatch(r"sub\d+", parts[-2], re.IGNORECASE):
            return f"sub{int(parts[-2][3:]):02d}", parts[-1]
        return None

    def subject_code(self, cell):
        number = digits(cell)
        return f"sub{number:02d}" if number is not None else ""
