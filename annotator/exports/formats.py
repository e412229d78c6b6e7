"""The export formats, one registry: name -> how to write it, how to read it back, what it carries."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.exports import elan, labelstudio, megc, sheet


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    content_type: str
    write: Callable[[list, Path], None]
    parse: Callable[[Path], list]
    carries: tuple[str, ...]


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    FORMATS[fmt.name] = fmt
    return fmt


register(ExportFormat("casme2_xlsx", "CASME II-style sheet (xlsx)", "xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      sheet.write_xlsx, sheet.parse_xlsx, sheet.CARRIES))
register(ExportFormat("casme2_csv", "CASME II-style sheet (csv)", "csv", "text/csv",
                      sheet.write_csv, sheet.parse_csv, sheet.CARRIES))
register(ExportFormat("megc_composite", "MEGC composite CSV (3 classes)", "csv", "text/csv",
                      megc.write_composite, megc.parse_composite, megc.COMPOSITE_CARRIES))
register(ExportFormat("megc_spotting", "MEGC spotting CSV", "csv", "text/csv",
                      megc.write_spotting, megc.parse_spotting, megc.SPOTTING_CARRIES))
register(ExportFormat("elan", "ELAN .eaf (zip, one document per clip)", "zip", "application/zip",
                      elan.write_eaf_zip, elan.parse_eaf_zip, elan.CARRIES))
register(ExportFormat("labelstudio", "Label Studio JSON (timeline labels)", "json", "application/json",
                      labelstudio.write_tasks, labelstudio.parse_tasks, labelstudio.CARRIES))


def rows_kept(fmt: ExportFormat, rows: list) -> list:
    """The rows a format writes: the composite CSV has only its three classes."""
    return megc.composite_rows(rows) if fmt.name == "megc_composite" else list(rows)
