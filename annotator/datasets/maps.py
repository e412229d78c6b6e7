"""Precomputed-map and apex-image sets: a folder of per-sample images and a label CSV, matched row by row.

A row (`dataset, sub, filename_o, label`, any extra columns kept) names its image by subject and
file name: `<sub>_<filename>` (or the row's `imagename` cell when the CSV has one), with `.png`,
`.jpg` or `.jpeg`, compared without case and without stray whitespace before the extension. A row
whose image is missing, or matches several files that its dataset's folder cannot tell apart, is
skipped and reported; an image no row names is reported; nothing is guessed. Pure planning: reads
files, writes nothing (annotator.services.map_import writes).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from annotator.datasets.base import DatasetError
from annotator.datasets.sheets import cell_text, import_limits, normalise_header, read_sheet, records

MAPS = "maps"  # flow maps: the image's R, G, B are u, v, strain
APEX = "apex"  # apex face images
KINDS = (MAPS, APEX)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
REQUIRED = ("dataset", "sub", "filename_o", "label")
# MEGC2019 composite CSVs code the class as 0, 1, 2.
DEFAULT_LABEL_NAMES = ("negative", "positive", "surprise")
IMPORTED, SKIPPED, UNMATCHED = "imported", "skipped", "unmatched image"


@dataclass
class MapRow:
    line: int
    dataset: str
    subject: str
    name: str
    label: str  # the emotion name the sample gets
    extra: dict[str, str]
    image: Path | None = None
    outcome: str = IMPORTED
    reasons: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.outcome = SKIPPED
        self.reasons.append(reason)

    def as_dict(self, root: Path) -> dict:
        return {"line": self.line, "source": self.dataset, "dataset": self.dataset, "subject": self.subject, "clip": self.name,
                "label": self.label, "image": self.image.relative_to(root).as_posix() if self.image else "",
                "extra": self.extra, "outcome": self.outcome, "reasons": self.reasons}


@dataclass
class MapPlan:
    root: Path
    kind: str
    rows: list[MapRow]
    unmatched: list[Path]  # images no row names

    @property
    def imported(self) -> list[MapRow]:
        return [row for row in self.rows if row.outcome == IMPORTED]


def image_key(name: str) -> str | None:
    """The comparison key of an image file name ('Sub01_EP02 .PNG' -> 'sub01_ep02'); None if not an image name."""
    path = Path(name)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    return name_key(path.stem)


def name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


def index_images(root: Path, limit: int) -> dict[str, list[Path]]:
    """Every image file under root (links and hidden entries skipped) by image_key; at most `limit` files."""
    found: dict[str, list[Path]] = {}
    count = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__MACOSX" for part in relative.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        key = image_key(path.name)
        if key is None:
            continue
        count += 1
        if count > limit:
            raise DatasetError(f"The folder holds more than {limit} images, this server's limit for one import.")
        found.setdefault(key, []).append(path)
    return found


def label_name(cell, names: tuple[str, ...]) -> str:
    text = cell_text(cell)
    if text.isdigit():
        index = int(text)
        return names[index] if index < len(names) else ""
    return text.lower()


def candidate_keys(subject: str, name: str, imagename: str) -> list[str]:
    keys = [name_key(Path(imagename).stem if image_key(imagename) else imagename)] if imagename else []
    keys.append(name_key(f"{subject}_{name}"))
    if name_key(name).startswith(name_key(f"{subject}_")):  # the file name already carries the subject
        keys.append(name_key(name))
    return keys


def _pick(paths: list[Path], dataset: str, root: Path) -> list[Path]:
    """Of several same-named images, those under a folder named like the row's dataset."""
    if len(paths) == 1:
        return paths
    wanted = normalise_header(dataset)
    return [p for p in paths if any(normalise_header(part) == wanted for part in p.relative_to(root).parts[:-1])]


def _match(row: MapRow, images: dict[str, list[Path]], root: Path, claimed: dict[Path, int]) -> None:
    """Find the row's image; a row skipped for another reason still claims it, so the image is not 'unmatched'."""
    keys = candidate_keys(row.subject, row.name, row.extra.get("imagename", ""))
    found = next((images[k] for k in keys if k in images), None)
    if found is None:
        row.skip(f"no image named {keys[0]!r} (.png, .jpg or .jpeg)")
        return
    picked = _pick(found, row.dataset, root)
    if len(picked) != 1:
        names = ", ".join(p.relative_to(root).as_posix() for p in found[:5])
        row.skip(f"{len(found)} images match and the dataset folder does not tell which: {names}")
        for path in found:  # named by this row: reported with it, not as images without a row
            claimed.setdefault(path, row.line)
        return
    if picked[0] in claimed and row.outcome == IMPORTED:
        row.skip(f"its image is already line {claimed[picked[0]]}'s")
        return
    claimed.setdefault(picked[0], row.line)
    if row.outcome == IMPORTED:
        row.image = picked[0]


def csv_rows(labels: Path, label_names: tuple[str, ...]) -> list[MapRow]:
    if labels.suffix.lower() != ".csv":
        raise DatasetError("The labels file must be a .csv with the columns dataset, sub, filename_o, label.")
    rows = []
    known = {normalise_header(name) for name in (*REQUIRED, "imagename")}
    for line, record in records(read_sheet(labels), REQUIRED):
        extra = {name: cell_text(value) for name, value in record.items() if name and name not in known}
        row = MapRow(line=line, dataset=cell_text(record["dataset"]), subject=cell_text(record["sub"]),
                     name=cell_text(record["filenameo"]), label=label_name(record["label"], label_names),
                     extra=extra)
        row.extra["imagename"] = cell_text(record.get("imagename"))
        for what, value in (("dataset", row.dataset), ("sub", row.subject), ("filename_o", row.name)):
            if not value:
                row.skip(f"no {what}")
        raw_label = cell_text(record["label"])
        if not row.label:
            row.skip(f"label {raw_label!r} is not one of 0..{len(label_names) - 1}" if raw_label else "no label")
        rows.append(row)
    return rows


def map_plan(root: Path, labels: Path, *, kind: str = MAPS,
             label_names: tuple[str, ...] = DEFAULT_LABEL_NAMES) -> MapPlan:
    """Match every CSV row to its image; report rows without one and images without a row."""
    if kind not in KINDS:
        raise DatasetError(f"Unknown kind {kind!r}; choose {' or '.join(KINDS)}.")
    root = Path(root)
    if not root.is_dir():
        raise DatasetError("The image folder does not exist.")
    images = index_images(root, import_limits()["MAX_SHEET_ROWS"])
    rows = csv_rows(Path(labels), label_names)
    claimed: dict[Path, int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if not row.subject or not row.name:
            continue
        key = (normalise_header(row.dataset), row.subject, row.name)
        if row.outcome == IMPORTED and key in seen:
            row.skip(f"the same sample as line {seen[key]}")
        seen.setdefault(key, row.line)
        _match(row, images, root, claimed)
    unmatched = [path for paths in images.values() for path in paths if path not in claimed]
    return MapPlan(root=root, kind=kind, rows=rows, unmatched=sorted(unmatched))
