"""CASME II-style coding sheet (xlsx or csv): one row per event, frames in the dataset's numbering.

The columns follow CASME2-coding-20140508.xlsx (Subject, Filename, OnsetFrame, ApexFrame,
OffsetFrame, Action Units, Estimated Emotion) with the source dataset in front and the code's
kind, coder and status after. Text that a spreadsheet would run as a formula (=, +, -, @ first)
is written with a leading apostrophe, which the parser removes again.
"""

import csv
from pathlib import Path

from annotator.exports.notation import format_aus, parse_aus
from annotator.exports.rows import ExportRow

COLUMNS = ("Dataset", "Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
           "Estimated Emotion", "Kind", "Coder", "Status")
CARRIES = ("dataset", "subject", "clip", "onset", "apex", "offset", "aus", "emotion", "kind", "coder", "status")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 1_000_000


class SheetError(ValueError):
    pass


def defuse(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_START) or text.startswith("'") else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def row_cells(row: ExportRow) -> list:
    return [defuse(row.dataset), defuse(row.subject), defuse(row.clip), row.onset,
            "" if row.apex is None else row.apex, row.offset, format_aus(row.aus), defuse(row.emotion), row.kind,
            defuse(row.coder), row.status]


def write_csv(rows, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(row_cells(row) for row in rows)


def write_xlsx(rows, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    book.properties.creator = "MEStudio"  # no user name in the document properties
    book.properties.lastModifiedBy = None
    sheet = book.create_sheet("Sheet1")
    sheet.append(COLUMNS)
    for row in rows:
        cells = []
        for value in row_cells(row):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a string, never a formula
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def _int(value, name: str, line: int, required: bool = True) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise SheetError(f"row {line}: {name} is empty.")
        return None
    try:
        number = float(text)
    except ValueError:
        raise SheetError(f"row {line}: {name} {text!r} is not a frame number.") from None
    if number != int(number) or number < 0:
        raise SheetError(f"row {line}: {name} {text!r} is not a frame number.")
    return int(number)


def row_from_cells(cells: dict, line: int) -> ExportRow:
    text = {name: restore("" if cells.get(name) is None else str(cells[name])) for name in COLUMNS}
    try:
        aus = tuple(parse_aus(text["Action Units"]))
    except ValueError as exc:
        raise SheetError(f"row {line}: {exc}") from None
    return ExportRow(
        dataset=text["Dataset"], subject=text["Subject"], clip=text["Filename"],
        onset=_int(cells.get("OnsetFrame"), "OnsetFrame", line), apex=_int(cells.get("ApexFrame"), "ApexFrame", line, False),
        offset=_int(cells.get("OffsetFrame"), "OffsetFrame", line), aus=aus, emotion=text["Estimated Emotion"],
        kind=text["Kind"] or "micro", coder=text["Coder"], status=text["Status"],
    )


def _rows(header, records) -> list[ExportRow]:
    header = [str(h).strip() if h is not None else "" for h in header]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise SheetError(f"The sheet lacks the columns {', '.join(missing)}.")
    rows = []
    for line, record in enumerate(records, start=2):
        if line > MAX_ROWS + 1:
            raise SheetError(f"The sheet has more than {MAX_ROWS} rows.")
        if all(value in (None, "") for value in record):
            continue
        rows.append(row_from_cells(dict(zip(header, record)), line))
    return rows


def parse_csv(path: Path) -> list[ExportRow]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise SheetError("The sheet is empty.")
        return _rows(header, reader)


def parse_xlsx(path: Path) -> list[ExportRow]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        records = book.worksheets[0].iter_rows(values_only=True)
        header = next(records, None)
        if header is None:
            raise SheetError("The sheet is empty.")
        return _rows(header, records)
    finally:
        book.close()
