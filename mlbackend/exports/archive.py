"""The training archive: what a plugin sees of a project's codes, in one zip a lab can take away.

Contents (format `mestudio-training-archive`, version 1):
- `manifest.json`: the project's emotion labels and AU set, the label source, the counts.
- `labels.csv`: one row per code, in the evaluator's order: event, clip_id, subject (pseudonym),
  dataset, fps, n_frames, onset, apex, offset (frame ids), kind, emotion, aus (FACS notation),
  onset_image, apex_image, maps.
- `faces/<clip>/<frame>.png`: the face each plugin looks at (mlbackend.vision.FaceFrames): the
  aligned crop, else the frame cut to the clip's fixed landmark box, else the frame; onset and
  apex frames only (a missing apex: the middle frame, as every plugin reads it). PNG is lossless
  and carries no EXIF or other metadata, so a plugin reads exactly the pixels it reads from the
  frame store, and `manage.py evaluate --archive` gives the project's figures.
- `maps/<event>.npy`: the (3, 28, 28) float32 u, v, strain maps of mlbackend.nets.maps (TV-L1,
  onset -> apex), the STSTNet / OFF-ApexNet input, for tools outside MEStudio.
Reading an archive treats it as hostile: only these names, bounded sizes and image dimensions.
"""

import csv
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotator.exports.atomic import atomic_output
from annotator.exports.notation import format_aus, parse_aus
from annotator.models import Export, Project, Subject
from mlbackend.contract import AU, ClipInput, Event, LabeledClip
from mlbackend.nets.maps import apex_of, flow_maps
from mlbackend.selectors import labeled_clips
from mlbackend.vision import FaceFrames, face_box

logger = logging.getLogger("mestudio.exports")
ARCHIVE_FORMAT = "mestudio-training-archive"
FORMAT_NAME = "training_archive"  # Export.format of the logged row
COLUMNS = ("event", "clip_id", "subject", "dataset", "fps", "n_frames", "onset", "apex", "offset", "kind", "emotion",
           "aus", "onset_image", "apex_image", "maps")
ENTRY = re.compile(r"^(manifest\.json|labels\.csv|faces/\d{1,12}/\d{1,9}\.png|maps/\d{1,9}\.npy)$")
MAX_ENTRIES = 500_000
MAX_ENTRY_BYTES = 32 << 20
MAX_TOTAL_BYTES = 8 << 30
MAX_SIDE = 4096


class ArchiveError(ValueError):
    pass


def _face_images(clip: ClipInput):
    """index -> the BGR image FaceFrames would grey and resize: face crop, landmark box, or frame."""
    source = clip.faces if clip.faces is not None else clip.frames
    box = None
    if clip.faces is None and clip.landmarks is not None:
        box = face_box(clip.landmarks, np.asarray(clip.frames[0]).shape[:2])

    def image(index: int) -> np.ndarray:
        frame = np.asarray(source[index])
        if box is not None:
            x0, y0, x1, y1 = box
            frame = frame[y0:y1, x0:x1]
        return np.ascontiguousarray(frame)

    return image


def _png(image: np.ndarray) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ArchiveError("A face image could not be encoded.")
    return encoded.tobytes()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def consenting(project: Project, data: list[LabeledClip]) -> tuple[list[LabeledClip], list[str]]:
    allowed = set(Subject.objects.filter(project=project, consent_given=True).values_list("code", flat=True))
    kept = [clip for clip in data if clip.clip.subject in allowed]
    return kept, sorted({clip.clip.subject for clip in data} - allowed)


def archive_write(*, project: Project, path: Path, label_source: str = "reviewed", created_by=None,
                  consent_override: str = "", progress=lambda fraction, message: None) -> Export:
    """Write the archive atomically to `path` and log it as an Export row (format training_archive)."""
    data, _snapshot = labeled_clips(project, label_source)
    reason = consent_override.strip()
    kept, excluded = consenting(project, data)
    if reason:
        logger.warning("training archive of project %s includes subjects without consent %s: %s",
                       project.pk, excluded, reason)
        excluded = []
    else:
        data = kept
    rows, n_events = [], sum(len(clip.events) for clip in data)
    with atomic_output(Path(path)) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for clip in data:
            image, written = _face_images(clip.clip), set()
            faces = FaceFrames(clip.clip, 128)
            for event in clip.events:
                apex = apex_of(event.segment)
                names = {}
                for role, index in (("onset", event.onset), ("apex", apex)):
                    index = faces.clamp(index)
                    names[role] = f"faces/{clip.clip.clip_id}/{index}.png"
                    if index not in written:
                        archive.writestr(names[role], _png(image(index)))
                        written.add(index)
                number = len(rows)
                archive.writestr(f"maps/{number}.npy", _npy(flow_maps(faces, event.segment)))
                rows.append([number, clip.clip.clip_id, clip.clip.subject, clip.clip.dataset, repr(float(clip.clip.fps)),
                             clip.clip.n_frames, event.onset, "" if event.apex is None else event.apex, event.offset,
                             event.kind, event.emotion, format_aus([_au_dict(au) for au in event.aus]),
                             names["onset"], names["apex"], f"maps/{number}.npy"])
                progress(len(rows) / max(1, n_events), f"event {len(rows)}/{n_events}")
        labels = io.StringIO()
        writer = csv.writer(labels)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        archive.writestr("labels.csv", labels.getvalue())
        archive.writestr("manifest.json", json.dumps({
            "format": ARCHIVE_FORMAT, "version": 1, "label_source": label_source,
            "emotion_labels": list(project.emotion_labels), "au_set": list(project.au_set),
            "n_events": len(rows), "n_clips": len(data), "subjects": sorted({c.clip.subject for c in data}),
        }, indent=1))
    export = Export.objects.create(
        project=project, format=FORMAT_NAME, filters={"status": label_source}, status=Export.Status.READY,
        row_count=len(rows), subjects_excluded=excluded, consent_override=reason, created_by=created_by,
        size_bytes=Path(path).stat().st_size,
    )
    return export


def _au_dict(au: AU) -> dict:
    return {"number": au.number, "side": au.side, "intensity": au.intensity}


class SparseFrames:
    """A FrameSource that holds only the frames an archive stored; any other frame is an error."""

    def __init__(self, images: dict[int, np.ndarray], count: int):
        self._images = images
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> np.ndarray:
        if index not in self._images:
            raise IndexError(f"frame {index} is not in the training archive (it holds onset and apex faces only)")
        return self._images[index]


@dataclass(frozen=True)
class ArchiveData:
    manifest: dict
    clips: list[LabeledClip]


def _check_entries(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(f"The archive has more than {MAX_ENTRIES} entries.")
    total = 0
    for info in infos:
        if not ENTRY.match(info.filename) or info.is_dir():
            raise ArchiveError(f"Unexpected entry {info.filename[:80]!r} in the training archive.")
        if info.file_size > MAX_ENTRY_BYTES:
            raise ArchiveError(f"{info.filename} is larger than {MAX_ENTRY_BYTES >> 20} MiB.")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError("The archive unpacks to more than 8 GiB.")


def _decode_png(blob: bytes, name: str) -> np.ndarray:
    import cv2

    if blob[:8] != b"\x89PNG\r\n\x1a\n" or len(blob) < 24:
        raise ArchiveError(f"{name} is not a PNG image.")
    width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise ArchiveError(f"{name} is {width}x{height}; at most {MAX_SIDE} px a side.")
    image = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ArchiveError(f"{name} cannot be decoded.")
    return image


def _int(text: str, name: str, line: int) -> int:
    try:
        return int(text)
    except ValueError:
        raise ArchiveError(f"labels.csv row {line}: {name} {text[:20]!r} is not a whole number.") from None


def archive_read(path: Path) -> ArchiveData:
    """The archive's codes as LabeledClips, in the order the project's evaluation uses."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{Path(path).name} is not a zip archive: {exc}") from None
    with archive:
        _check_entries(archive)
        try:
            manifest = json.loads(archive.read("manifest.json"))
            reader = csv.DictReader(io.StringIO(archive.read("labels.csv").decode("utf-8")))
        except KeyError as exc:
            raise ArchiveError(f"The archive lacks {exc}.") from None
        if manifest.get("format") != ARCHIVE_FORMAT or reader.fieldnames != list(COLUMNS):
            raise ArchiveError("This is not a MEStudio training archive (manifest or labels.csv columns differ).")
        clips: dict[str, dict] = {}
        for line, row in enumerate(reader, start=2):
            clip = clips.setdefault(row["clip_id"], {"row": row, "images": {}, "events": []})
            for role in ("onset_image", "apex_image"):
                name = row[role]
                if not ENTRY.match(name) or not name.startswith(f"faces/{row['clip_id']}/"):
                    raise ArchiveError(f"labels.csv row {line}: bad image name {name[:60]!r}.")
                index = _int(name.rsplit("/", 1)[1].removesuffix(".png"), role, line)
                if index not in clip["images"]:
                    clip["images"][index] = _decode_png(archive.read(name), name)
            try:
                aus = tuple(AU(number=a["number"], side=a["side"], intensity=a["intensity"])
                            for a in parse_aus(row["aus"]))
            except ValueError as exc:
                raise ArchiveError(f"labels.csv row {line}: {exc}") from None
            clip["events"].append(Event(
                onset=_int(row["onset"], "onset", line), apex=_int(row["apex"], "apex", line) if row["apex"] else None,
                offset=_int(row["offset"], "offset", line), kind=row["kind"], emotion=row["emotion"], aus=aus))
    labeled = []
    for clip_id, clip in clips.items():
        row = clip["row"]
        n_frames = _int(row["n_frames"], "n_frames", 0)
        frames = SparseFrames(clip["images"], n_frames)
        labeled.append(LabeledClip(clip=ClipInput(
            clip_id=int(clip_id) if clip_id.isdigit() else clip_id, subject=row["subject"], dataset=row["dataset"],
            fps=float(row["fps"]), n_frames=n_frames, frames=frames, faces=frames), events=tuple(clip["events"])))
    return ArchiveData(manifest=manifest, clips=labeled)
