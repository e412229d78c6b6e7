"""One exported code: plain values only, so writers and parsers need no database."""

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class ExportRow:
    dataset: str
    subject: str  # the subject's pseudonymous code
    clip: str  # the clip's name (the dataset's Filename for imported clips)
    onset: int  # in the dataset's own frame numbering (frame ids for ordinary clips)
    apex: int | None
    offset: int
    emotion: str = ""
    aus: tuple = ()  # ({"number", "side", "intensity"}, ...) in FACS order
    kind: str = "micro"
    coder: str = ""  # a pseudonym, never a name or an e-mail address
    status: str = "reviewed"
    # frame ids and frame rate, for formats that carry time (ELAN, Label Studio)
    onset_id: int = 0
    apex_id: int | None = None
    offset_id: int = 0
    fps: float = 0.0
    extra: dict = field(default_factory=dict, compare=False)


ROW_FIELDS = tuple(f.name for f in fields(ExportRow) if f.name != "extra")


def carried(row: ExportRow, names) -> tuple:
    """The values of the fields a format carries, for comparing a row with its round trip."""
    return tuple(getattr(row, name) if name != "aus" else tuple(tuple(sorted(au.items())) for au in row.aus)
                 for name in names)
