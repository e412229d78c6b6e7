"""Accuracy floors on synthetic micro-expressions (mlbackend.synthetic), kept small and fast.

8 subjects x 3 short clips (one per class, 30-50 frames). Measured when the floors were set:
seed 3 (used here) flow_svm LOSO UF1 0.917, motion_spotter apex hit rate 0.958; over seeds
0-5 UF1 0.874-0.958 and apex hit rate 0.917-1.0, so the floors (UF1 > 0.75, chance 1/3; apex
>= 0.8) leave a margin. `python -m tests.plugins.measure_baselines` runs the larger set with
the generator's default config.
"""

import numpy as np
import pytest

from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.evaluation.metrics import apex_metrics
from plugins.flow_svm import FlowSvmPlugin
from plugins.motion_spotter import MotionSpotterPlugin

CLASSES = ("negative", "positive", "surprise")


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def synthetic(sample_dir):
    from mlbackend.synthetic import SyntheticConfig, load_face_bank, make_dataset, to_labeled_clip

    bank = load_face_bank(sample_dir)
    subjects = sorted({t.subject for t in bank})[:8]
    config = SyntheticConfig(n_frames=(30, 50), micro_seconds=(0.04, 0.15))
    clips = make_dataset([t for t in bank if t.subject in subjects], 3, seed=3, config=config)
    data = [to_labeled_clip(c) for c in clips]
    assert len({c.clip.subject for c in data}) == 8 and len(data) == 24
    return data


def test_flow_svm_recognises_synthetic_emotions_well_above_chance(synthetic, tmp_path):
    result = loso_evaluate(FlowSvmPlugin, synthetic, labels=CLASSES, workdir=tmp_path, progress=quiet)
    overall = result.overall
    print(f"flow_svm LOSO on 8 x 3 synthetic clips: UF1 {overall['uf1']:.3f}, UAR {overall['uar']:.3f}")
    assert overall["n"] == 24
    assert overall["uf1"] > 0.75  # chance is 1/3


def test_motion_spotter_finds_the_apex_of_held_out_subjects(synthetic, tmp_path):
    subjects = sorted({c.clip.subject for c in synthetic})
    halves = (subjects[:4], subjects[4:])
    truths, found = [], []
    for train_subjects, test_subjects in (halves, halves[::-1]):
        plugin = MotionSpotterPlugin()
        plugin.fit([c for c in synthetic if c.clip.subject in train_subjects], workdir=tmp_path / train_subjects[0],
                   progress=quiet, device="cpu", seed=0)
        test = [c for c in synthetic if c.clip.subject in test_subjects]
        truths += [c.events[0] for c in test]
        found += [p.events[0] for p in plugin.predict([c.clip for c in test])]
    apex = apex_metrics([t.apex for t in truths], [f.apex for f in found], tolerance=5)
    print(f"motion_spotter on 8 x 3 synthetic clips: apex hit rate {apex['hit_rate']:.3f}, "
          f"median error {apex['median_abs_error']}")
    assert apex["hit_rate"] >= 0.8
    assert np.mean([f.onset <= t.apex <= f.offset for f, t in zip(found, truths)]) >= 0.8
