"""The ingest pipeline, free of Django: decode -> JPEG frames (+ landmarks) -> aligned face crops."""

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotator.media import faces
from annotator.media.errors import IngestError
from annotator.media.framestore import FrameStore
from annotator.media.sources import Limits, SourceInfo, check_pixels, check_resolution, open_source

Progress = Callable[[float, str], None]


@dataclass
class DecodeResult:
    info: SourceInfo
    frame_count: int
    landmarks: np.ndarray | None = None
    truncated: bool = False  # the file ended early: the frames that decoded are kept


@dataclass
class FaceResult:
    status: str  # "ready" | "no_face"
    method: str = ""
    face_frames: int = 0
    reference_frame: int | None = None
    detail: dict = field(default_factory=dict)


class JpegWriter:
    """Encodes and writes JPEGs on a thread pool: cv2.imencode releases the GIL, so this overlaps with decoding."""

    def __init__(self, quality: int, workers: int | None = None):
        import cv2

        self._params = [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)]
        self._workers = workers or max(1, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="jpeg")
        self._pending: deque[Future] = deque()

    def _write(self, path: Path, image: np.ndarray) -> None:
        import cv2

        ok, encoded = cv2.imencode(".jpg", image, self._params)
        if not ok:
            raise IngestError(f"Could not encode frame {path.stem} as JPEG.")
        path.write_bytes(encoded.tobytes())

    def submit(self, path: Path, image: np.ndarray) -> None:
        self._pending.append(self._pool.submit(self._write, path, image))
        while len(self._pending) > 4 * self._workers:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True)


def decode_to_store(
    source_path: Path, store: FrameStore, *, kind: str, limits: Limits, jpeg_quality: int,
    detect_landmarks: bool, progress: Progress,
) -> DecodeResult:
    # Refuses by the header alone (format, resolution, declared frames and pixels): nothing decoded yet.
    source = open_source(source_path, kind=kind, limits=limits)
    detector = faces.LandmarkDetector() if detect_landmarks else None
    writer = JpegWriter(jpeg_quality)
    landmarks: list[np.ndarray | None] = []
    try:
        info = source.info()
        store.reset()
        expected = info.container_frame_count or 0
        count = pixels = 0
        for frame_id, image in source.frames():
            if frame_id >= limits.max_frames:
                raise IngestError(f"The clip has more than {limits.max_frames} frames, this server's limit.")
            # Headers may lie or say nothing (MPEG-TS, Matroska): the decoded frames are counted too.
            check_resolution(image.shape[1], image.shape[0], limits)
            pixels += image.shape[0] * image.shape[1]
            check_pixels(pixels, limits)
            writer.submit(store.frame_path(frame_id), image)
            if detector is not None:
                landmarks.append(detector.detect(image))
            count = frame_id + 1
            progress(count / expected if expected else 0.0, f"decoded {count} frames")
        writer.close()
    finally:
        writer.close()
        source.close()
        if detector is not None:
            detector.close()
    if count == 0:
        raise IngestError("No frame could be decoded: the file holds zero frames.")
    stacked = None
    if detect_landmarks:
        stacked = np.full((count, faces.N_LANDMARKS, 2), np.nan, dtype=np.float32)
        for frame_id, points in enumerate(landmarks):
            if points is not None:
                stacked[frame_id] = points
    return DecodeResult(info=info, frame_count=count, landmarks=stacked, truncated=source.truncated)


def landmarks_from_store(store: FrameStore, frame_count: int, *, limits: Limits, progress: Progress) -> DecodeResult:
    """Landmarks of frames already in the store (a dataset's own JPEGs), read and never rewritten."""
    source = open_source(store.frames_dir, kind="frames", limits=limits)
    detector = faces.LandmarkDetector()
    stacked = np.full((frame_count, faces.N_LANDMARKS, 2), np.nan, dtype=np.float32)
    try:
        info = source.info()
        for frame_id, image in source.frames():
            if frame_id >= frame_count:
                break
            points = detector.detect(image)
            if points is not None:
                stacked[frame_id] = points
            progress((frame_id + 1) / frame_count, f"landmarks of {frame_id + 1} frames")
    finally:
        source.close()
        detector.close()
    return DecodeResult(info=info, frame_count=frame_count, landmarks=stacked)


def find_alignment(store: FrameStore, decoded: DecodeResult, *, face_size: int) -> faces.Alignment | None:
    landmarks = decoded.landmarks
    found = np.flatnonzero(~np.isnan(landmarks[:, 0, 0])) if landmarks is not None else []
    if len(found):
        return faces.alignment_from_landmarks(landmarks[found[0]], int(found[0]), face_size)
    import cv2

    # No mesh anywhere: look for a Haar face on up to 40 evenly spaced stored frames.
    for frame_id in np.unique(np.linspace(0, decoded.frame_count - 1, num=min(40, decoded.frame_count)).astype(int)):
        box = faces.haar_face_box(cv2.imread(str(store.frame_path(int(frame_id)))))
        if box is not None:
            return faces.alignment_from_box(box, int(frame_id), face_size)
    return None


def write_face_crops(
    source_path: Path, store: FrameStore, decoded: DecodeResult, *, limits: Limits, face_size: int,
    jpeg_quality: int, progress: Progress,
) -> FaceResult:
    if decoded.landmarks is not None:
        np.save(store.landmarks_path, decoded.landmarks)
    alignment = find_alignment(store, decoded, face_size=face_size)
    if alignment is None:
        return FaceResult(status="no_face")
    store.reset_faces()
    source = open_source(source_path, kind=decoded.info.kind, limits=limits)
    writer = JpegWriter(jpeg_quality)
    try:
        for frame_id, image in source.frames():
            if frame_id >= decoded.frame_count:
                break
            writer.submit(store.face_path(frame_id), faces.warp_face(image, alignment))
            progress((frame_id + 1) / decoded.frame_count, f"aligned {frame_id + 1} faces")
        writer.close()
    finally:
        writer.close()
        source.close()
    with_face = (
        int(np.count_nonzero(~np.isnan(decoded.landmarks[:, 0, 0]))) if decoded.landmarks is not None else 0
    )
    return FaceResult(
        status="ready", method=alignment.method, face_frames=with_face, reference_frame=alignment.reference_frame,
        detail={"matrix": alignment.matrix.tolist(), "size": alignment.size},
    )
