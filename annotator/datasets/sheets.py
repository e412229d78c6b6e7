"""Reading coding sheets with pandas, bounded: a sheet is a file a person made, so it may be anything."""

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from annotator.datasets.base import DatasetError

SHEET_SUFFIXES = (".xlsx", ".xls", ".csv")


def import_limits() -> dict:
    return settings.MESTUDIO_IMPORT


def find_sheet(root: Path, pattern: re.Pattern, what: str) -> Path:
    """The one coding sheet under root whose file name matches pattern (case-insensitive)."""
    found = sorted(
        path for path in root.rglob("*")
        if path.suffix.lower() in SHEET_SUFFIXES and pattern.search(path.name) and path.is_file()
        and not path.is_symlink() and not path.name.startswith("~$")
    )
    if not found:
        raise DatasetError(f"No {what} found under the dataset folder.")
    return found[0]


def _check_size(path: Path) -> None:
    limits = import_limits()
    size = path.stat().st_size
    if size > limits["MAX_SHEET_BYTES"]:
        raise DatasetError(f"The sheet {path.name} is {size} bytes, over this server's limit of "
                           f"{limits['MAX_SHEET_BYTES']}.")
    if path.suffix.lower() == ".xlsx":
        # An .xlsx is a zip: its declared unpacked size bounds what openpyxl will inflate.
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise DatasetError(f"The sheet {path.name} is not a valid .xlsx file.") from None
        if unpacked > limits["MAX_SHEET_UNPACKED_BYTES"]:
            raise DatasetError(f"The sheet {path.name} unpacks to {unpacked} bytes, over this server's limit.")


ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>]")


def _count_xlsx_rows(path: Path, limit: int) -> None:
    """Refuse a workbook with a sheet over `limit` rows by scanning its XML, before any reader builds cells."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            count, tail = 0, b""
            with archive.open(name) as part:
                while chunk := part.read(1 << 20):
                    data = tail + chunk
                    count += len(ROW_TAG.findall(data))
                    tail = data[-16:]
                    count -= len(ROW_TAG.findall(tail))
                    if count > limit:
                        raise DatasetError(f"The sheet {path.name} has more than {limit} rows, this server's "
                                           "limit for a coding sheet.")


def read_sheet(path: Path, *, sheet: int | str = 0) -> list[list]:
    """All rows of one sheet as lists of cells (None for empty), at most MAX_SHEET_ROWS rows."""
    import pandas as pd

    _check_size(path)
    max_rows = import_limits()["MAX_SHEET_ROWS"]
    if path.suffix.lower() == ".xlsx":
        _count_xlsx_rows(path, max_rows)
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, header=None, dtype=object, nrows=max_rows + 1, keep_default_na=False)
        else:
            engine = "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
            frame = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, nrows=max_rows + 1,
                                  engine=engine)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"The sheet {path.name} cannot be read: {exc}") from None
    except Exception as exc:  # xlrd and openpyxl raise their own types on damaged files
        raise DatasetError(f"The sheet {path.name} cannot be read ({type(exc).__name__}).") from None
    if len(frame) > max_rows:
        raise DatasetError(f"The sheet {path.name} has more than {max_rows} rows, this server's limit for a "
                           "coding sheet.")
    return [[None if _is_empty(cell) else cell for cell in row] for row in frame.itertuples(index=False)]


def sheet_names(path: Path) -> list[str]:
    import pandas as pd

    _check_size(path)
    try:
        return list(pd.ExcelFile(path).sheet_names)
    except Exception as exc:
        raise DatasetError(f"The workbook {path.name} cannot be read ({type(exc).__name__}).") from None


def _is_empty(cell) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and cell != cell:
        return True
    return isinstance(cell, str) and not cell.strip()


def normalise_header(cell) -> str:
    return re.sub(r"[^a-z0-9]", "", str(cell or "").lower())


def header_rows(rows: list[list], required: tuple[str, ...], search: int = 40) -> tuple[int, dict[str, int]]:
    """Find the header row (within the first `search` rows) holding all `required` names; name -> column."""
    wanted = {normalise_header(name) for name in required}
    for index, row in enumerate(rows[:search]):
        columns = {}
        for column, cell in enumerate(row):
            columns.setdefault(normalise_header(cell), column)
        if wanted <= columns.keys():
            return index, columns
    raise DatasetError(f"The coding sheet has no header row with the columns {', '.join(required)}.")


def records(rows: list[list], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(sheet line, {normalised column name: cell}) for each non-empty row below the header."""
    header, columns = header_rows(rows, required)
    for index in range(header + 1, len(rows)):
        row = rows[index]
        if all(cell is None for cell in row):
            continue
        yield index + 1, {name: (row[column] if column < len(row) else None) for name, column in columns.items()}


def cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()
