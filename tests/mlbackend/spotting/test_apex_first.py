"""Apex-first assist: onset and offset proposed from a marked apex (mlbackend.spotting.apex_first).

Measured when written (seed 12, 8 subjects x 1 synthetic clip of 30-120 frames at 200 fps,
micro-expressions of 0.04-0.5 s): median |onset error| 0.5 frame, median |offset error| 1,
7 of 8 clips within 5 frames on both sides (the 8th: offset 6 frames early). Seeds 11-14 with
12 subjects: 11 of 12 within 5 frames each time, every proposal at IoU >= 0.5 with the truth.
"""

import numpy as np
import pytest

from mlbackend.evaluation.spotting import interval_iou
from mlbackend.spotting.apex_first import propose, propose_interval
from tests.plugins.clipfactory import make_clip


@pytest.fixture(scope="module")
def synthetic(sample_dir):
    from mlbackend.synthetic import load_face_bank, make_dataset

    bank = load_face_bank(sample_dir)
    subjects = sorted({t.subject for t in bank})[:8]
    return make_dataset([t for t in bank if t.subject in subjects], 1, seed=12)


def test_onset_and_offset_within_a_few_frames_on_synthetic_clips(synthetic):
    errors, ious = [], []
    for clip in synthetic:
        onset, offset = propose_interval(clip.frames, clip.apex, clip.fps)
        assert 0 <= onset <= clip.apex <= offset < clip.n_frames
        errors.append((onset - clip.onset, offset - clip.offset))
        ious.append(interval_iou((onset, offset), (clip.onset, clip.offset)))
    absolute = np.abs(np.array(errors))
    print(f"apex-first on {len(synthetic)} synthetic clips: median |error| onset {np.median(absolute[:, 0])}, "
          f"offset {np.median(absolute[:, 1])} frames; both within 5: {np.mean((absolute <= 5).all(axis=1)):.2f}; "
          f"mean IoU {np.mean(ious):.3f}")
    assert np.median(absolute[:, 0]) <= 2.5 and np.median(absolute[:, 1]) <= 2.5  # measured 0.5 and 1
    assert np.mean((absolute <= 5).all(axis=1)) >= 0.74  # measured 7/8
    assert np.mean(np.array(ious) >= 0.5) >= 0.87  # measured 8/8


def test_takes_a_clip_input_and_returns_the_curve():
    labeled = make_clip("toy", 1, "brow", n_frames=60, onset=10, apex=24, offset=40, amplitude=3.0, fps=100.0)
    onset, offset = propose_interval(labeled.clip, 24, 100.0)
    assert abs(onset - 10) <= 3 and abs(offset - 40) <= 3
    proposal = propose(labeled.clip, 24, 100.0, mode="threshold", fraction=0.2)
    assert proposal.apex == 24 and proposal.curve_start == 0 and len(proposal.curve) == 60
    assert proposal.curve[24] == 0.0 and proposal.amplitude_before > 0.5
    assert 10 <= proposal.onset <= 24 <= proposal.offset <= 40  # "threshold" stops inside the movement


def test_window_and_arguments():
    labeled = make_clip("toy", 2, "smile", n_frames=80, onset=30, apex=40, offset=50, amplitude=3.0, fps=100.0)
    frames = [labeled.clip.frames[i] for i in range(80)]  # a plain list of BGR frames works too
    onset, offset = propose_interval(frames, 40, 100.0, max_seconds=0.05)  # 5 frames each side at most
    assert 35 <= onset <= 40 <= offset <= 45
    assert propose_interval(frames, 0, 100.0)[0] == 0  # the apex on the first frame
    with pytest.raises(ValueError, match="outside"):
        propose_interval(frames, 80, 100.0)
    with pytest.raises(ValueError):
        propose_interval(frames, 40, 100.0, kind="blink")
    with pytest.raises(ValueError):
        propose_interval(frames, 40, 0.0)
