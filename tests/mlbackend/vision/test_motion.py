import numpy as np
import pytest

from mlbackend.contract import ArrayFrames, ClipInput
from mlbackend.vision import (
    FaceFrames, baseline_and_noise, face_box, motion_curve, segment_iou, smooth, smoothing_window, spot_intervals,
)
from tests.plugins.clipfactory import make_clip


def bump(n=60, onset=15, apex=30, offset=45, height=2.0, floor=0.1):
    t = np.arange(n, dtype=float)
    rise = np.clip((t - onset) / (apex - onset), 0, 1)
    fall = np.clip((offset - t) / (offset - apex), 0, 1)
    return floor + height * np.where(t <= apex, rise, fall)


def test_smooth_keeps_constants_and_length():
    assert smooth(np.full(10, 3.0), 5) == pytest.approx(np.full(10, 3.0))
    curve = np.r_[np.zeros(5), 10, np.zeros(5)]
    smoothed = smooth(curve, 5)
    assert smoothed.shape == curve.shape and smoothed.max() == pytest.approx(2.0)
    assert smooth(curve, 1) == pytest.approx(curve)
    assert smooth(np.ones(4), 9).shape == (4,)
    assert smoothing_window(200) == 5 and smoothing_window(30) == 1 and smoothing_window(0) == 1


def test_spot_intervals_finds_the_bump():
    (interval,) = spot_intervals(bump(), 0.5)
    assert (interval.onset, interval.apex, interval.offset) == (22, 30, 38)
    assert interval.amplitude == pytest.approx(2.0)
    assert interval.score == pytest.approx(2.0 / 2.1)
    (low,) = spot_intervals(bump(), 0.1)
    assert low.onset == 16 and low.offset == 44


def test_spot_intervals_more_events_outside_earlier_ones():
    curve = bump() + bump(onset=0, apex=5, offset=12, height=1.0, floor=0.0)
    first, second = spot_intervals(curve, 0.3, max_events=2)
    assert first.apex == 30 and second.apex == 5 and second.offset < first.onset
    assert spot_intervals(np.zeros(0), 0.3) == []
    flat = spot_intervals(np.zeros(20), 0.3)[0]
    assert flat.score == 0.0 and 0 <= flat.onset <= flat.apex <= flat.offset <= 19


def test_baseline_and_iou():
    assert baseline_and_noise(bump())[0] == pytest.approx(0.1)
    assert segment_iou((0, 9), (0, 9)) == 1.0
    assert segment_iou((0, 9), (5, 14)) == pytest.approx(5 / 15)
    assert segment_iou((0, 4), (5, 9)) == 0.0


def test_motion_curve_peaks_at_the_apex():
    clip = make_clip("a", 1, "brow", n_frames=40, onset=8, apex=20, offset=32, seed=3).clip
    curve = motion_curve(FaceFrames(clip))
    assert curve.shape == (40,) and curve[0] == 0.0
    assert abs(int(np.argmax(curve)) - 20) <= 1
    assert curve[20] > 5 * np.median(curve[:6] + 1e-3)
    stepped = motion_curve(FaceFrames(clip), step=4)
    assert abs(int(np.argmax(stepped)) - 20) <= 2


def test_face_frames_use_faces_then_landmark_box_then_frames():
    big = np.zeros((200, 300, 3), np.uint8)
    big[50:150, 100:200] = 255
    small = np.full((64, 64, 3), 77, np.uint8)
    with_faces = ClipInput(1, "s", "d", 30.0, 2, ArrayFrames([big, big]), faces=ArrayFrames([small, small]))
    assert FaceFrames(with_faces, 32)[0].tolist() == np.full((32, 32), 77).tolist()

    landmarks = np.zeros((2, 468, 2), np.float32)
    landmarks[:, :, 0] = np.linspace(110, 190, 468)
    landmarks[:, :, 1] = np.linspace(60, 140, 468)
    landmarks[1] = np.nan
    box = face_box(landmarks, (200, 300), margin=0.1)
    assert box == (102, 52, 198, 148)
    with_landmarks = ClipInput(2, "s", "d", 30.0, 2, ArrayFrames([big, big]), landmarks=landmarks)
    face = FaceFrames(with_landmarks, 48)[1]  # default margin 0.15: box (98, 48, 202, 152)
    assert face.shape == (48, 48) and face[2:-2, 2:-2].min() == 255 and face[0, 0] < 255

    bare = FaceFrames(ClipInput(3, "s", "d", 30.0, 2, ArrayFrames([big, big])), 50)
    assert bare[0].shape == (50, 50) and bare[0].min() == 0
    assert bare.clamp(-3) == 0 and bare.clamp(9) == 1
    assert face_box(np.full((2, 468, 2), np.nan), (200, 300)) is None
    assert face_box(None, (200, 300)) is None


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    import cv2

    gy, gx = np.mgrid[0:image.shape[0], 0:image.shape[1]].astype(np.float32)
    return cv2.remap(image, gx - dx, gy - dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def test_face_flow_takes_the_head_translation_out():
    from mlbackend.vision import dense_flow, face_flow, global_shift
    from tests.plugins.clipfactory import texture

    base = texture(4)
    moved = shifted(base, 1.6, -0.7).astype(np.uint8)
    base = base.astype(np.uint8)
    assert global_shift(base, moved, "ecc") == pytest.approx((1.6, -0.7), abs=0.05)
    assert global_shift(base, moved, "phase") == pytest.approx((1.6, -0.7), abs=0.7)  # biased to whole pixels
    with pytest.raises(ValueError, match="Unknown global shift method"):
        global_shift(base, moved, "nope")
    raw = np.hypot(*np.moveaxis(dense_flow(base, moved), 2, 0))[16:-16, 16:-16].mean()
    for method in ("phase", "ecc"):
        residual = np.hypot(*np.moveaxis(face_flow(base, moved, shift_method=method), 2, 0))[16:-16, 16:-16].mean()
        assert raw > 1.5 and residual < 0.15


def test_motion_meter_sees_a_local_movement_but_not_a_translation():
    from mlbackend.vision import MotionMeter

    clip = make_clip("m", 2, "smile", n_frames=21, onset=2, apex=10, offset=18, amplitude=2.0, noise=1.0).clip
    faces = FaceFrames(clip)
    meter = MotionMeter(faces[0])
    translated = shifted(faces[0].astype(np.float32), 1.2, 0.8).astype(np.uint8)
    assert meter(faces[0]) < 0.1 and meter(translated) < 0.2
    assert meter(faces[10]) > 4 * meter(translated)
    whole_face = MotionMeter(faces[0], top=1.0, stabilise=False)
    assert whole_face(faces[10]) < meter(faces[10])  # the mean over the whole face dilutes the movement
