import json

import numpy as np
import pytest

from mlbackend.contract import AU, ArrayFrames, ClipInput, Event, LabeledClip
from mlbackend.synthetic import (
    SyntheticConfig, displacement_at, draw_timing, make_clip, make_dataset, make_long_video, mean_face_layout,
    render_clip, to_labeled_clip, with_clean_nuisance, write_frames,
)

from .conftest import FAST


def test_same_seed_same_bytes_other_seed_other_frames(bank):
    templates = [t for t in bank if t.subject in {"syn01", "syn02"}]
    first = make_dataset(templates, 3, seed=11, config=FAST)
    again = make_dataset(templates, 3, seed=11, config=FAST)
    other = make_dataset(templates[:1], 3, seed=12, config=FAST)
    assert len(first) == 6 and [c.emotion for c in first[:3]] == ["positive", "negative", "surprise"]
    for a, b in zip(first, again):
        assert a.frames.tobytes() == b.frames.tobytes()
        assert (a.clip_id, a.onset, a.apex, a.offset, a.aus, a.emotion) == (
            b.clip_id, b.onset, b.apex, b.offset, b.aus, b.emotion)
    assert all(a.frames.shape != c.frames.shape or not np.array_equal(a.frames, c.frames) for a, c in zip(first, other))


def test_timing_respects_the_limits():
    config = SyntheticConfig()
    rng = np.random.default_rng(0)
    durations = []
    for _ in range(2000):
        n_frames, onset, duration = draw_timing(rng, config)
        assert 30 <= n_frames <= 120
        assert onset >= config.lead_frames and onset + duration <= n_frames - 1 - config.tail_frames
        durations.append(duration)
    assert min(durations) == 8 and max(durations) == 100  # 1/25 s to 1/2 s at 200 fps


def test_movement_follows_onset_apex_offset(template):
    clip = make_clip(template, np.random.default_rng(3), "surprise", FAST)
    assert 0 < clip.onset < clip.apex < clip.offset < clip.n_frames - 1
    clean = render_clip(clip, clean=True).astype(np.float32)
    change = np.abs(clean - clean[0]).mean(axis=(1, 2, 3))
    assert change[: clip.onset + 1].max() == 0 and change[clip.offset:].max() == 0  # neutral before and after
    assert abs(int(np.argmax(change)) - clip.apex) <= 2
    assert np.all(np.diff(change[clip.onset: clip.apex + 1]) >= -1e-3)  # rises to the apex
    # the noisy frames differ from the clean ones by the sensor noise, flicker and drift only
    noise = np.abs(clip.frames.astype(np.float32) - clean)
    assert 0.8 < noise.mean() < 4.0


def test_peak_displacement_is_in_range(bank):
    for k, template in enumerate(bank[:6]):
        clip = make_clip(template, np.random.default_rng(k), None, FAST)
        apex = np.hypot(*np.moveaxis(displacement_at(clip, clip.apex), -1, 0)).max()
        assert 0.5 <= apex <= 3.0 and apex == pytest.approx(clip.event.peak_px, rel=1e-4)
        assert not displacement_at(clip, clip.onset).any() and not displacement_at(clip, clip.offset).any()


def test_clean_config_keeps_the_movement(template):
    noisy = make_clip(template, np.random.default_rng(5), "positive", FAST)
    quiet = make_clip(template, np.random.default_rng(5), "positive", with_clean_nuisance(FAST))
    assert (quiet.onset, quiet.apex, quiet.offset, quiet.aus) == (noisy.onset, noisy.apex, noisy.offset, noisy.aus)
    assert np.array_equal(quiet.frames, render_clip(noisy, clean=True))


def test_flow_sees_the_mouth_in_smiles_and_the_brows_in_surprise(bank):
    import cv2

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    config = SyntheticConfig(n_frames=(30, 40), micro_seconds=(0.04, 0.1), peak_px=(2.0, 3.0))
    for k, template in enumerate(bank[:4]):
        ys, xs = np.mgrid[0:128, 0:128]
        regions = {}
        for name, indices, pad in (("brow", (70, 107, 46, 55, 300, 336, 276, 285), 4), ("mouth", (61, 291, 0, 17), 5)):
            (x0, y0), (x1, y1) = template.landmarks[list(indices)].min(0) - pad, template.landmarks[list(indices)].max(0) + pad
            regions[name] = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
        for emotion in ("positive", "surprise"):
            clip = make_clip(template, np.random.default_rng(k), emotion, config)
            grey = [cv2.cvtColor(clip.frames[i], cv2.COLOR_BGR2GRAY) for i in (clip.onset, clip.apex)]
            flow = np.hypot(*np.moveaxis(dis.calc(grey[0], grey[1], None), -1, 0))
            mouth, brow = flow[regions["mouth"]].mean(), flow[regions["brow"]].mean()
            assert (mouth > brow) == (emotion == "positive"), (template.source, emotion, mouth, brow)


# Short macro movements and no neutral stretches beyond the minimum gaps keep the long videos small.
LONG = SyntheticConfig(micro_seconds=(0.04, 0.1), macro_seconds=(0.1, 0.15), min_gap_frames=6)


def test_long_video_ground_truth(template):
    config = LONG
    video = make_long_video(template, np.random.default_rng(2), config, n_events=3, n_distractors=3, length=220)
    movements = sorted(video.events + video.distractors, key=lambda m: m.onset)
    assert [m.kind for m in video.events].count("micro") == 3 and "macro" in {m.kind for m in video.events}
    assert video.distractors and {m.kind for m in video.distractors} == {"blink"}
    assert movements[0].onset >= config.lead_frames and movements[-1].offset <= video.n_frames - 1 - config.tail_frames
    for before, after in zip(movements, movements[1:]):
        assert after.onset - before.offset >= config.min_gap_frames
    for m in movements:
        assert m.onset < m.apex < m.offset
        if m.kind == "micro":
            assert 8 <= m.offset - m.onset <= 20 and 0.5 <= m.peak_px <= 3
        if m.kind == "macro":
            assert 5 <= m.peak_px <= 10 and m.emotion
    clean = render_clip(video, clean=True).astype(np.float32)
    change = np.abs(clean - clean[0]).mean(axis=(1, 2, 3))
    busy = np.zeros(video.n_frames, bool)
    for m in movements:
        busy[m.onset: m.offset + 1] = True
        assert change[m.apex] > 0
    assert change[~busy].max() == 0
    with pytest.raises(ValueError, match="needs at least"):
        make_long_video(template, np.random.default_rng(2), config, n_events=3, n_distractors=3, length=80)


def test_labeled_clip_and_frame_folder(template, tmp_path):
    import cv2

    clip = make_clip(template, np.random.default_rng(8), "negative", FAST, clip_id="syn02_x")
    labeled = to_labeled_clip(clip)
    assert isinstance(labeled, LabeledClip) and isinstance(labeled.clip, ClipInput)
    info = labeled.clip
    assert (info.clip_id, info.subject, info.dataset, info.fps, info.n_frames) == (
        "syn02_x", clip.subject, "synthetic", 200.0, clip.n_frames)
    assert isinstance(info.frames, ArrayFrames) and len(info.frames) == clip.n_frames
    assert info.faces[0].shape == (128, 128, 3)
    assert info.landmarks.shape == (clip.n_frames, 468, 2) and info.landmarks.dtype == np.float32
    (event,) = labeled.events
    assert isinstance(event, Event)
    assert (event.onset, event.apex, event.offset, event.kind) == (clip.onset, clip.apex, clip.offset, "micro")
    assert event.emotion == "negative" and all(isinstance(au, AU) for au in event.aus) and event.aus
    folder = write_frames(clip, tmp_path / "clip")
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names[0] == "000000.png" and len(names) == clip.n_frames
    assert np.array_equal(cv2.imread(str(folder / names[clip.apex])), clip.frames[clip.apex])  # lossless
    truth = json.loads((folder / "ground_truth.json").read_text())
    assert (truth["onset"], truth["apex"], truth["offset"], truth["emotion"], truth["fps"]) == (
        clip.onset, clip.apex, clip.offset, "negative", 200.0)
    assert truth["aus"] == [{"number": n, "side": side} for n, side in clip.aus] and truth["subject"] == clip.subject


def test_long_video_labels_skip_blinks(template):
    video = make_long_video(template, np.random.default_rng(4), LONG, 2, 2, length=150)
    labeled = to_labeled_clip(video)
    assert [e.kind for e in labeled.events] == [m.kind for m in video.events]
    assert "blink" not in {e.kind for e in labeled.events} and video.distractors
    with pytest.raises(ValueError, match="events"):
        video.onset


def test_config_is_checked():
    with pytest.raises(ValueError, match="unknown class"):
        SyntheticConfig(classes=("joy",))
    with pytest.raises(ValueError, match="cannot hold"):
        SyntheticConfig(n_frames=(10, 15))


MACRO = SyntheticConfig(fps=10.0, n_frames=(8, 24), lead_frames=2, tail_frames=1)


def test_macro_mode_renders_one_macro_expression_of_the_class(template):
    clip = make_clip(template, np.random.default_rng(5), "surprise", MACRO, kind="macro")
    event = clip.event
    assert (event.kind, event.emotion) == ("macro", "surprise") and event.sigma_scale == MACRO.macro_sigma_scale
    assert 5 <= event.offset - event.onset <= 20 and 5 <= event.peak_px <= 10  # 0.5-2 s at 10 fps, 5-10 px
    assert 0.2 <= (event.apex - event.onset) / (event.offset - event.onset) <= 0.6  # 30-50 %, rounded to frames
    assert np.hypot(*np.moveaxis(displacement_at(clip, event.apex), -1, 0)).max() == pytest.approx(event.peak_px, 1e-4)
    again = make_clip(template, np.random.default_rng(5), "surprise", MACRO, kind="macro")
    assert again.frames.tobytes() == clip.frames.tobytes()
    assert [e.kind for e in to_labeled_clip(clip).events] == ["macro"]
    with pytest.raises(ValueError, match="cannot hold"):
        make_clip(template, np.random.default_rng(5), "surprise", FAST, kind="macro")  # 200 fps: 100+ frames
    with pytest.raises(ValueError, match="kind"):
        make_clip(template, np.random.default_rng(5), "surprise", MACRO, kind="blink")


def test_mean_face_layout_fits_the_aligned_faces(bank):
    layout = mean_face_layout()
    eyes = layout[[33, 133]].mean(axis=0), layout[[362, 263]].mean(axis=0)
    assert np.allclose(eyes, [[0.32 * 128, 0.38 * 128], [0.68 * 128, 0.38 * 128]], atol=0.01)  # the alignment's
    assert np.mean([np.abs(t.landmarks - layout).mean() for t in bank]) < 4.0
    assert np.allclose(mean_face_layout(64), (layout + 0.5) / 2 - 0.5, atol=1e-4)
