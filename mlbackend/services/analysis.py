"""Coder aids for one clip, computed once by an "analyse" job and cached in the clip's frame-store folder.

MEDIA_ROOT/clips/<id>/
  analysis.json        the motion curve and how it was made; written last, so its presence means "ready"
  flow/000123.jpg      flow colour of frame 123 against its reference: hue = direction, value = magnitude
  magnified/000123.jpg frame 123's face region with its small movements amplified (Eulerian magnification)

Everything is measured on the face the plugins see (`FaceFrames`, 128 px, grey): the aligned face when the
clip has one, else a fixed box around the landmarks, else the whole frame; `region` in the JSON says which,
so the workspace can lay the 128 px flow colour back over the picture it came from.

Reference frame: a clip of up to LONG_CLIP_S seconds (a micro-expression sample, cut around one event) is
measured against its first frame, the nearest thing to an onset it has. In a longer clip the face drifts and
expressions come and go, so frame i is measured against frame i - k, k = SLIDING_S seconds of frames (frames
before k against frame 0): the curve then shows movement that happened within the last quarter second.

Nothing here runs in a web request: cv2 is imported by the vision helpers inside their functions.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from annotator.media.framestore import FrameStore
from annotator.models import Clip, Job
from annotator.permissions import can_start_job, role_for
from annotator.services.jobs import ProgressReporter, job_create, job_enqueue_on_commit, job_log
from mlbackend.jobkinds import ANALYSE
from mlbackend.vision.magnify import collapse_pyramid, laplacian_pyramid

FORMAT = 2  # bump when the files change meaning: older analyses then read as missing
SIZE = 128  # side of the face image the flow is measured on
FLOW_METHOD = "dis"
LONG_CLIP_S = 2.0
SLIDING_S = 0.25
# A frame's flow colour is at full brightness at the highest FLOW_SCALE_PERCENTILE-th percentile magnitude of the
# frames within FLOW_SCALE_WINDOW_S of it, not of the whole clip: a head turn seconds away does not turn a
# micro-movement black. FLOW_SCALE_FLOOR pixels (of the 128 px face) at least, so a still stretch's noise stays dark.
FLOW_SCALE_PERCENTILE = 99
FLOW_SCALE_WINDOW_S = 0.5
FLOW_SCALE_FLOOR = 0.5
STABILISE_SIDE = 96  # the magnified view's frames are aligned to the first face on a grey copy this big
MAGNIFY_ALPHA = 12.0  # amplification of the band-passed signal (Wu et al. 2012 use 10-50; 12 keeps faces plausible)
MAGNIFY_BAND_HZ = (0.4, 4.0)  # a micro-expression lasts 1/25-1/2 s: its onset/offset are ~1-4 Hz movements
MAGNIFY_CUTOFF_WAVELENGTH = 16.0  # lambda_c: finer spatial detail gets less amplification (less noise)
MAGNIFY_CHROMA = 0.1  # colour channels amplified this much less than brightness
MAGNIFY_LIMIT = 24.0  # at most this many grey levels added or taken: large movements (a hand, the head) stay sane
MAGNIFY_COARSE_LEVELS = 2  # the coarsest levels are left alone: lighting and whole-head drift live there
MAGNIFY_MAX_SIDE = 384  # the magnified region's longer side, in pixels
JPEG_QUALITY = 90


class AnalysisStore:
    """Where a clip's analysis lives; names are built from integers only."""

    def __init__(self, clip_id: int):
        self.root = FrameStore(settings.MEDIA_ROOT, clip_id).root

    @property
    def result_path(self) -> Path:
        return self.root / "analysis.json"

    @property
    def flow_dir(self) -> Path:
        return self.root / "flow"

    @property
    def magnified_dir(self) -> Path:
        return self.root / "magnified"

    def flow_path(self, frame_id: int) -> Path:
        return self.flow_dir / f"{int(frame_id):06d}.jpg"

    def magnified_path(self, frame_id: int) -> Path:
        return self.magnified_dir / f"{int(frame_id):06d}.jpg"

    def read(self, frame_count: int) -> dict | None:
        """The finished analysis, or None when there is none for the clip as it is now (re-ingested: other frames)."""
        try:
            data = json.loads(self.result_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        if data.get("format") != FORMAT or data.get("frame_count") != frame_count:
            return None
        return data

    def reset(self) -> None:
        self.result_path.unlink(missing_ok=True)
        for folder in (self.flow_dir, self.magnified_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)

    def write(self, data: dict) -> None:
        tmp = self.result_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")))
        os.replace(tmp, self.result_path)


# ---------- state and starting: called by the API ----------

def analysis_job(clip: Clip) -> Job | None:
    return Job.objects.filter(clip=clip, kind=ANALYSE).order_by("-created_at", "-id").first()


def analysis_state(clip: Clip) -> dict:
    """{status: none|queued|running|ready|failed, job, progress, ...}; the curve and its description when ready."""
    job = analysis_job(clip)
    data = AnalysisStore(clip.pk).read(clip.frame_count) if clip.status == Clip.Status.READY else None
    state = {"status": "none", "job": job.pk if job else None, "progress": 0.0, "error": ""}
    if data is not None:
        return {**state, "status": "ready", "progress": 1.0, "job": data.get("job"),
                **{key: data[key] for key in ("curve", "reference", "region", "unit", "flow_scale", "magnify")}}
    if job is None:
        return state
    if job.is_active:
        return {**state, "status": job.status, "progress": job.progress}
    if job.status == Job.Status.FAILED or job.status == Job.Status.SUCCEEDED:  # succeeded: files gone since
        return {**state, "status": "failed", "error": job.error or "The analysis files are missing; start it again."}
    return state  # cancelled: as if never started


def analysis_start(*, clip: Clip, created_by) -> tuple[dict, bool]:
    """Queue the clip's analysis unless it is ready or under way; (state, whether a job was created)."""
    if not can_start_job(role_for(created_by, clip.project_id), ANALYSE):
        raise PermissionDenied("Only coders and leads start a clip's analysis.")
    if clip.status != Clip.Status.READY:
        raise ValueError("This clip is not ready yet: it can be analysed once ingest has finished.")
    with transaction.atomic():
        Clip.objects.select_for_update().filter(pk=clip.pk).first()  # one starter at a time per clip
        state = analysis_state(clip)
        if state["status"] in {"ready", "queued", "running"}:
            return state, False
        job = job_create(kind=ANALYSE, project=clip.project, clip=clip, created_by=created_by)
        job_enqueue_on_commit(job=job)
    return analysis_state(clip), True


# ---------- the job ----------

def reference_frames(n_frames: int, fps: float) -> tuple[list[int], dict]:
    """Each frame's reference frame, and how they were chosen (for the JSON and the page)."""
    fps = float(fps or 0) or 30.0
    if n_frames <= LONG_CLIP_S * fps:
        return [0] * n_frames, {"kind": "first", "frame": 0}
    k = max(1, int(round(SLIDING_S * fps)))
    return [max(0, i - k) for i in range(n_frames)], {"kind": "sliding", "frames": k, "seconds": SLIDING_S}


def analyse_job_work(job: Job, progress: ProgressReporter) -> None:
    from mlbackend.selectors import clip_input

    clip = Clip.objects.select_related("subject", "project").get(pk=job.clip_id)
    if clip.status != Clip.Status.READY:
        raise ValueError("This clip is not ready yet.")
    item = clip_input(clip)
    store = AnalysisStore(clip.pk)
    store.reset()
    fps = float(item.fps or 30.0)
    references, reference = reference_frames(item.n_frames, fps)
    job_log(job=job, line=f"{item.n_frames} frames; reference: "
            + ("the first frame" if reference["kind"] == "first" else f"{reference['frames']} frames back"))

    curve, flow_scale, region = motion_and_flow(item, references, store, progress.section(0.0, 0.6))
    job_log(job=job, line=f"motion curve: peak {max(curve, default=0):.2f} px; flow colour scale {flow_scale:.2f} px")
    magnify = magnify_clip(item, region, store, progress.section(0.6, 0.4))
    job_log(job=job, line=f"magnified {item.n_frames} frames x{magnify['alpha']:g}, "
            f"{magnify['band_hz'][0]:g}-{magnify['band_hz'][1]:g} Hz")
    store.write({
        "format": FORMAT, "job": job.pk, "frame_count": item.n_frames, "fps": fps, "unit": "px",
        "curve": [round(float(value), 4) for value in curve], "reference": reference, "region": region,
        "flow_scale": round(flow_scale, 4), "flow_method": FLOW_METHOD, "size": SIZE, "magnify": magnify,
    })
    job_log(job=job, line="analysis ready")


def _region(item) -> dict:
    """Which picture the 128 px face came from, as FaceFrames chose it: {"source": "face"} or a box in the frame."""
    from mlbackend.vision.face import face_box

    if item.faces is not None:
        return {"source": "face"}
    frame = np.asarray(item.frames[0])
    height, width = frame.shape[:2]
    box = face_box(item.landmarks, (height, width))
    return {"source": "frame", "box": list(box) if box else [0, 0, width, height]}


def motion_and_flow(item, references: list[int], store: AnalysisStore, progress) -> tuple[list[float], float, dict]:
    """The motion curve (MotionMeter's measure: mean flow magnitude over the quarter of the face that moved most,
    head translation removed) and the flow colour frames, from one flow computation per frame."""
    import cv2

    from mlbackend.vision.face import FaceFrames
    from mlbackend.vision.features import flow_magnitude
    from mlbackend.vision.flow import face_flow
    from mlbackend.vision.motion import MotionMeter

    back = max(i - r for i, r in enumerate(references)) if references else 0
    faces = FaceFrames(item, size=SIZE, cache=back + 8)
    region = _region(item)
    n = len(faces)
    meter = MotionMeter(faces[0], method=FLOW_METHOD)
    # Every frame's flow waits on disk (float16) until the clip's colour scale is known: constant memory.
    flows = np.lib.format.open_memmap(store.root / "flow.tmp.npy", mode="w+", dtype=np.float16,
                                      shape=(n, SIZE, SIZE, 2))
    curve, highs = [], []
    try:
        for index in range(n):
            reference = references[index]
            if index == reference:
                flow = np.zeros((SIZE, SIZE, 2), np.float32)
            else:
                flow = face_flow(faces[reference], faces[index], FLOW_METHOD)
            flows[index] = flow
            magnitude = flow_magnitude(flow)
            curve.append(_moved(magnitude, meter))
            highs.append(float(np.percentile(magnitude, FLOW_SCALE_PERCENTILE)))
            progress(0.8 * (index + 1) / n, f"motion: frame {index + 1} of {n}")
        scales = window_scales(highs, float(item.fps or 30.0))
        for index in range(n):
            cv2.imwrite(str(store.flow_path(index)), flow_colour(np.asarray(flows[index], np.float32), scales[index]),
                        [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            progress(0.8 + 0.2 * (index + 1) / n, f"flow colour: frame {index + 1} of {n}")
    finally:
        del flows
        (store.root / "flow.tmp.npy").unlink(missing_ok=True)
    return curve, float(np.median(scales)) if scales else FLOW_SCALE_FLOOR, region


def window_scales(highs: list[float], fps: float) -> list[float]:
    """Each frame's colour scale: the highest of `highs` within FLOW_SCALE_WINDOW_S either side (a sliding maximum,
    O(n) with a monotonic queue), never below FLOW_SCALE_FLOOR."""
    from collections import deque

    half = max(1, int(round(FLOW_SCALE_WINDOW_S * fps)))
    n, window, scales = len(highs), deque(), []
    for right in range(n + half):
        if right < n:
            while window and highs[window[-1]] <= highs[right]:
                window.pop()
            window.append(right)
        centre = right - half
        if centre < 0:
            continue
        while window[0] < centre - half:
            window.popleft()
        scales.append(max(FLOW_SCALE_FLOOR, highs[window[0]]))
    return scales


def _moved(magnitude: np.ndarray, meter) -> float:
    """MotionMeter's reduction of a magnitude map: no border strip, cell means, mean of the top cells."""
    from mlbackend.vision.features import cell_means

    if meter.margin > 0:
        magnitude = magnitude[meter.margin:-meter.margin, meter.margin:-meter.margin]
    cells = np.sort(cell_means(magnitude, (meter.grid, meter.grid)))
    return float(cells[-meter.top:].mean())


def flow_colour(flow: np.ndarray, scale: float) -> np.ndarray:
    """BGR image of a flow field: hue = direction (red right, through yellow-green down, cyan left, blue-violet up),
    full saturation, value = magnitude / scale (black: still)."""
    import cv2

    magnitude, angle = cv2.cartToPolar(np.ascontiguousarray(flow[..., 0]), np.ascontiguousarray(flow[..., 1]),
                                       angleInDegrees=True)
    hsv = np.empty(flow.shape[:2] + (3,), np.uint8)
    hsv[..., 0] = (angle / 2).astype(np.uint8) % 180
    hsv[..., 1] = 255
    hsv[..., 2] = np.clip(magnitude / max(scale, 1e-6) * 255, 0, 255).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


# ---------- magnified frames ----------

def _region_picture(item, region: dict, index: int) -> np.ndarray:
    if region["source"] == "face":
        return np.asarray(item.faces[index])
    x0, y0, x1, y1 = region["box"]
    return np.asarray(item.frames[index])[y0:y1, x0:x1]


def magnify_clip(item, region: dict, store: AnalysisStore, progress) -> dict:
    """Write magnified/<n>.jpg for every frame: the face region (colour, longer side MAGNIFY_MAX_SIDE at most)
    through `EulerianMagnifier`. Returns the settings used, for the JSON."""
    import cv2

    first = _region_picture(item, region, 0)
    height, width = first.shape[:2]
    factor = min(1.0, MAGNIFY_MAX_SIDE / max(height, width))
    size = (max(8, int(round(width * factor))), max(8, int(round(height * factor))))
    fps = float(item.fps or 30.0)
    low, high = MAGNIFY_BAND_HZ
    high = min(high, 0.45 * fps)  # below Nyquist at low frame rates
    magnifier = EulerianMagnifier(fps=fps, low_hz=low, high_hz=high, alpha=MAGNIFY_ALPHA)
    stabilise = None
    for index in range(item.n_frames):
        picture = _region_picture(item, region, index)
        if picture.shape[1::-1] != size:
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        stabilise = stabilise or Stabiliser(picture)
        cv2.imwrite(str(store.magnified_path(index)), magnifier(stabilise(picture)),
                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        progress((index + 1) / item.n_frames, f"magnifying: frame {index + 1} of {item.n_frames}")
    return {"alpha": MAGNIFY_ALPHA, "band_hz": [low, round(high, 3)], "size": list(size),
            "cutoff_wavelength": MAGNIFY_CUTOFF_WAVELENGTH, "chroma": MAGNIFY_CHROMA, "limit": MAGNIFY_LIMIT,
            "coarse_levels_left": MAGNIFY_COARSE_LEVELS, "stabilised": "each frame aligned to the first (ECC, rigid)"}


class Stabiliser:
    """Warps each frame onto the first (the onset face): a rigid ECC fit (rotation and shift) on a small grey copy,
    started from the previous frame's fit, so the magnifier amplifies the face's own movements rather than the
    head's. A frame the fit fails on keeps the previous fit."""

    def __init__(self, first: np.ndarray):
        self.factor = min(1.0, STABILISE_SIDE / max(first.shape[:2]))
        self.template = self._small(first)
        self.warp = np.eye(2, 3, dtype=np.float32)

    def _small(self, picture: np.ndarray) -> np.ndarray:
        import cv2

        grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY) if picture.ndim == 3 else picture
        size = (max(8, round(grey.shape[1] * self.factor)), max(8, round(grey.shape[0] * self.factor)))
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)

    def __call__(self, picture: np.ndarray) -> np.ndarray:
        import cv2

        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 1e-4)
        try:
            _, self.warp = cv2.findTransformECC(self.template, self._small(picture), self.warp.copy(),
                                                cv2.MOTION_EUCLIDEAN, criteria, None, 3)
        except cv2.error:
            pass
        warp = self.warp.copy()
        warp[:, 2] /= self.factor
        return cv2.warpAffine(picture, warp, picture.shape[1::-1], flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)


class EulerianMagnifier:
    """Eulerian video magnification (Wu et al., SIGGRAPH 2012), one frame at a time in constant memory.

    Each frame (BGR uint8) goes to YCrCb and into a Laplacian pyramid; every level is band-passed in time by the
    difference of two first-order IIR low-passes (cut-offs high_hz and low_hz); the band is amplified by alpha
    (less on fine levels, whose wavelength is below lambda_c; none on the finest, where noise lives, nor on the
    MAGNIFY_COARSE_LEVELS coarsest, where lighting changes and the whole head's drift live) and added back, clipped
    to +-limit grey levels. Colour is amplified `chroma` times as much as brightness. The first frame is unchanged.
    """

    def __init__(self, *, fps: float, low_hz: float, high_hz: float, alpha: float = MAGNIFY_ALPHA,
                 cutoff_wavelength: float = MAGNIFY_CUTOFF_WAVELENGTH, chroma: float = MAGNIFY_CHROMA,
                 limit: float = MAGNIFY_LIMIT):
        if not 0 < low_hz < high_hz:
            raise ValueError(f"Need 0 < low < high, got {low_hz} and {high_hz} Hz.")
        self.fast = 1 - math.exp(-2 * math.pi * high_hz / fps)
        self.slow = 1 - math.exp(-2 * math.pi * low_hz / fps)
        self.alpha, self.cutoff, self.chroma, self.limit = alpha, cutoff_wavelength, chroma, limit
        self.lowpass_fast = self.lowpass_slow = None

    def _level_alphas(self, shape: tuple[int, int], levels: int) -> list[float]:
        wavelength = math.hypot(*shape) / 3  # representative wavelength of the finest level
        delta = self.cutoff / 8 / (1 + self.alpha)
        alphas = []
        for level in range(levels + 1):
            if level == 0 or level > levels - MAGNIFY_COARSE_LEVELS:
                alphas.append(0.0)
            else:
                alphas.append(min(self.alpha, max(0.0, wavelength / delta / 8 - 1)))
            wavelength /= 2
        return alphas

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        import cv2

        image = cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb).astype(np.float32)
        levels = max(MAGNIFY_COARSE_LEVELS + 1, min(6, int(math.log2(max(2, min(image.shape[:2]) / 4)))))
        pyramid = laplacian_pyramid(image, levels)
        if self.lowpass_fast is None or self.lowpass_fast[0].shape != pyramid[0].shape:
            self.lowpass_fast = [level.copy() for level in pyramid]
            self.lowpass_slow = [level.copy() for level in pyramid]
            self.alphas = self._level_alphas(image.shape[:2], levels)
            return frame.copy()
        band = []
        for i, level in enumerate(pyramid):
            self.lowpass_fast[i] += self.fast * (level - self.lowpass_fast[i])
            self.lowpass_slow[i] += self.slow * (level - self.lowpass_slow[i])
            band.append((self.lowpass_fast[i] - self.lowpass_slow[i]) * self.alphas[i])
        boost = collapse_pyramid(band)
        boost[..., 1:] *= self.chroma
        np.clip(boost, -self.limit, self.limit, out=boost)
        out = np.clip(image + boost, 0, 255).astype(np.uint8)
        return cv2.cvtColor(out, cv2.COLOR_YCrCb2BGR)
