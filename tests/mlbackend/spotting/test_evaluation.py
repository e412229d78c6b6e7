"""MEGC spotting evaluation (mlbackend.evaluation.spotting) on hand-computed cases.

IoU on inclusive frames: inter = min(ends) - max(starts) + 1, union = len_a + len_b - inter,
len = end - start + 1. TP when IoU >= 0.5; one match per ground truth and per prediction.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import model_version, write_checkpoint
from mlbackend.contract import (
    SPOTTING, ArrayFrames, ClipInput, ClipPrediction, Event, LabeledClip, Plugin, PredictedEvent, Segment,
)
from mlbackend.evaluation.spotting import (
    as_interval, interval_iou, match_intervals, spotting_counts, spotting_loso, spotting_metrics,
)


def micro(onset, offset):
    return (onset, offset, "micro")


def macro(onset, offset):
    return (onset, offset, "macro")


# ---- IoU -----------------------------------------------------------------------------------------

def test_iou_on_inclusive_frames():
    # [10, 19] and [12, 21]: inter = 19 - 12 + 1 = 8, union = 10 + 10 - 8 = 12 -> 8/12
    assert interval_iou((10, 19), (12, 21)) == pytest.approx(8 / 12)
    # identical single frames: inter 1, union 1
    assert interval_iou((5, 5), (5, 5)) == 1.0


def test_touching_intervals_share_one_frame_adjacent_ones_none():
    # touching at frame 19: inter = 19 - 19 + 1 = 1, union = 10 + 10 - 1 = 19 -> 1/19
    assert interval_iou((10, 19), (19, 28)) == pytest.approx(1 / 19)
    # adjacent: inter = 19 - 20 + 1 = 0 -> 0
    assert interval_iou((10, 19), (20, 29)) == 0.0
    counts = spotting_counts([micro(10, 19)], [micro(19, 28)])
    assert counts["micro"] == {"tp": 0, "fp": 1, "fn": 1}


def test_iou_exactly_one_half_counts_just_below_does_not():
    # GT [0, 8] (9 frames), prediction [3, 11] (9): inter = 8 - 3 + 1 = 6, union = 9 + 9 - 6 = 12 -> 0.5
    assert interval_iou((0, 8), (3, 11)) == 0.5
    assert spotting_counts([micro(0, 8)], [micro(3, 11)])["micro"] == {"tp": 1, "fp": 0, "fn": 0}
    # GT [0, 9] (10), prediction [0, 4] (5), inside it: inter = 5, union = 10 + 5 - 5 = 10 -> 0.5
    assert spotting_counts([micro(0, 9)], [micro(0, 4)])["micro"]["tp"] == 1
    # prediction [4, 12]: inter = 8 - 4 + 1 = 5, union = 9 + 9 - 5 = 13 -> 0.385
    assert interval_iou((0, 8), (4, 12)) == pytest.approx(5 / 13)
    assert spotting_counts([micro(0, 8)], [micro(4, 12)])["micro"] == {"tp": 0, "fp": 1, "fn": 1}


# ---- matching --------------------------------------------------------------------------------------

def test_two_predictions_for_one_ground_truth_give_one_tp_and_one_fp():
    # GT [100, 139] (40 frames); P1 = [100, 139] IoU 1; P2 = [105, 144]: inter = 139 - 105 + 1 = 35,
    # union = 40 + 40 - 35 = 45 -> 0.78. Both pass 0.5, the GT takes one: TP 1, FP 1, FN 0.
    counts = spotting_counts([micro(100, 139)], [micro(100, 139), micro(105, 144)])
    assert counts["micro"] == {"tp": 1, "fp": 1, "fn": 0}


def test_one_prediction_matches_at_most_one_ground_truth():
    # GT A = [0, 4], B = [5, 9] (5 frames each); P = [0, 9] (10): IoU with each = 5 / (10 + 5 - 5) = 0.5.
    # P counts once: TP 1, FN 1, FP 0.
    assert interval_iou((0, 4), (0, 9)) == interval_iou((5, 9), (0, 9)) == 0.5
    counts = spotting_counts([micro(0, 4), micro(5, 9)], [micro(0, 9)])
    assert counts["micro"] == {"tp": 1, "fp": 0, "fn": 1}


def test_matching_takes_the_most_matches_whatever_the_order():
    # GT A = [0, 9], B = [6, 15]; P1 = [3, 12], P2 = [0, 8]
    # IoU(A, P1) = 7 / 13 = 0.54, IoU(B, P1) = (12 - 6 + 1) / (10 + 10 - 7) = 7 / 13 = 0.54,
    # IoU(A, P2) = 9 / (10 + 9 - 9) = 0.9, IoU(B, P2) = (8 - 6 + 1) / (10 + 9 - 3) = 3 / 16 = 0.19.
    # Giving P1 to A (first listed) would leave B unmatched; the best assignment is A-P2, B-P1.
    truth, predicted = [micro(0, 9), micro(6, 15)], [micro(3, 12), micro(0, 8)]
    assert sorted((t, p) for t, p, _ in match_intervals(truth, predicted)) == [(0, 1), (1, 0)]
    assert spotting_counts(truth, predicted)["micro"] == {"tp": 2, "fp": 0, "fn": 0}


def test_kinds_are_matched_separately():
    # A micro prediction on a macro event: FP for micro, FN for macro (MEGC: kinds evaluated apart).
    counts = spotting_counts([macro(200, 299)], [micro(200, 299)])
    assert counts == {"micro": {"tp": 0, "fp": 1, "fn": 0}, "macro": {"tp": 0, "fp": 0, "fn": 1}}


# ---- pooled figures --------------------------------------------------------------------------------

def test_no_predictions():
    # 2 micro + 1 macro ground truth, nothing predicted: TP 0, FP 0, FN 3; P = R = F1 = 0 (0/0 read as 0).
    result = spotting_metrics([([micro(10, 19), micro(40, 49), macro(100, 199)], [])])
    assert (result["micro"]["tp"], result["micro"]["fp"], result["micro"]["fn"]) == (0, 0, 2)
    assert (result["macro"]["tp"], result["macro"]["fp"], result["macro"]["fn"]) == (0, 0, 1)
    overall = result["overall"]
    assert (overall["tp"], overall["fp"], overall["fn"]) == (0, 0, 3)
    assert overall["precision"] == overall["recall"] == overall["f1"] == 0.0


def test_no_ground_truth_and_no_predictions():
    result = spotting_metrics([([], []), ([], [])])
    assert result["n_videos"] == 2
    assert result["overall"]["f1"] == 0.0 and result["overall"]["tp"] == result["overall"]["fp"] == 0


def test_pooled_over_videos_by_hand():
    video_1 = (
        [micro(10, 19), micro(50, 59), macro(100, 199)],
        [micro(12, 21),     # IoU 8/12 with [10, 19]: TP
         micro(70, 75),     # overlaps nothing: FP        ([50, 59] is left: FN)
         macro(110, 209)],  # inter = 199 - 110 + 1 = 90, union = 100 + 100 - 90 = 110 -> 0.82: TP
    )
    video_2 = (
        [micro(0, 8), macro(500, 600)],
        [micro(3, 11),      # IoU 6/12 = 0.5: TP
         macro(300, 400)],  # FP                          ([500, 600] is left: FN)
    )
    result = spotting_metrics([video_1, video_2])
    # micro: TP 2, FP 1, FN 1 -> P = 2/3, R = 2/3, F1 = 2 x 2 / (2 x 2 + 1 + 1) = 2/3
    assert {k: result["micro"][k] for k in ("tp", "fp", "fn")} == {"tp": 2, "fp": 1, "fn": 1}
    assert result["micro"]["precision"] == pytest.approx(2 / 3)
    assert result["micro"]["recall"] == pytest.approx(2 / 3)
    assert result["micro"]["f1"] == pytest.approx(2 / 3)
    # macro: TP 1, FP 1, FN 1 -> P = R = F1 = 0.5
    assert {k: result["macro"][k] for k in ("tp", "fp", "fn")} == {"tp": 1, "fp": 1, "fn": 1}
    assert result["macro"]["f1"] == pytest.approx(0.5)
    # overall = sums: TP 3, FP 2, FN 2 -> P = 3/5, R = 3/5, F1 = 2 PR / (P + R) = 0.6
    assert {k: result["overall"][k] for k in ("tp", "fp", "fn")} == {"tp": 3, "fp": 2, "fn": 2}
    assert result["overall"]["precision"] == pytest.approx(0.6)
    assert result["overall"]["recall"] == pytest.approx(0.6)
    assert result["overall"]["f1"] == pytest.approx(0.6)
    assert result["overall"]["n_true"] == 5 and result["overall"]["n_predicted"] == 5


def test_pooling_is_not_the_mean_of_per_video_f1():
    # video 1: 1 GT, 1 hit -> F1 1; video 2: 3 GT, none found, 1 FP -> F1 0. Mean of the two: 0.5.
    # Pooled: TP 1, FP 1, FN 3 -> F1 = 2 / (2 + 1 + 3) = 1/3.
    videos = [([micro(0, 9)], [micro(0, 9)]),
              ([micro(0, 9), micro(20, 29), micro(40, 49)], [micro(60, 69)])]
    assert spotting_metrics(videos)["micro"]["f1"] == pytest.approx(1 / 3)


def test_inputs_in_any_shape_and_bad_ones_refused():
    event = Event(onset=3, apex=5, offset=9, kind="macro")
    predicted = PredictedEvent(onset=3, apex=5, offset=9, kind="macro", score=0.3)
    assert as_interval(event) == as_interval(predicted) == as_interval({"onset": 3, "offset": 9, "kind": "macro"})
    assert as_interval((3, 9)).kind == "micro"
    with pytest.raises(ValueError):
        as_interval((9, 3))
    with pytest.raises(ValueError):
        as_interval((3, 9, "blink"))


# ---- leave-one-subject-out --------------------------------------------------------------------------

def video(clip_id: str, subject: str, events: tuple[Event, ...], n_frames: int = 40) -> LabeledClip:
    frames = ArrayFrames(np.zeros((n_frames, 8, 8, 3), np.uint8))
    clip = ClipInput(clip_id=clip_id, subject=subject, dataset="toy", fps=30.0, n_frames=n_frames, frames=frames,
                     segments=tuple(e.segment for e in events))  # the evaluator must strip these
    return LabeledClip(clip, events)


class FixedSpotter(Plugin):
    """Predicts the first labelled micro interval it was trained on, in every video."""

    name = "fixed_spotter_test"
    version = "1.0"
    capabilities = frozenset({SPOTTING})
    calls: list = []

    def fit(self, train, *, workdir, progress, device, seed):
        FixedSpotter.calls.append(("fit", sorted({c.clip.subject for c in train})))
        first = next(e for c in train for e in c.events if e.kind == "micro")
        progress(1.0, "done")
        return write_checkpoint(Path(workdir) / "fixed.pt", {"onset": first.onset, "offset": first.offset})

    def load(self, checkpoint, *, device):
        from mlbackend.checkpoints import read_checkpoint

        self.state = read_checkpoint(checkpoint)
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips):
        FixedSpotter.calls.append(("predict", [(c.clip_id, c.segments) for c in clips]))
        return [ClipPrediction(c.clip_id, (PredictedEvent(self.state["onset"], None, self.state["offset"],
                                                          "micro", 0.5),), 0.5, self.model_version) for c in clips]


def test_spotting_loso_folds_by_subject_predicts_without_segments_and_pools(tmp_path):
    FixedSpotter.calls = []
    data = [
        video("a", "s1", (Event(0, 4, 9),)),
        video("b", "s2", (Event(0, 4, 9),)),
        video("c", "s3", (Event(0, 4, 9), Event(20, 25, 35, kind="macro"))),
    ]
    result = spotting_loso(FixedSpotter, data, workdir=tmp_path, progress=lambda f, m: None)
    fits = [subjects for kind, subjects in FixedSpotter.calls if kind == "fit"]
    assert fits == [["s2", "s3"], ["s1", "s3"], ["s1", "s2"]]
    predicts = [clips for kind, clips in FixedSpotter.calls if kind == "predict"]
    assert predicts == [[("a", ())], [("b", ())], [("c", ())]]
    # Every video: micro [0, 9] found (TP 3); video c's macro [20, 35] missed (FN 1).
    # overall TP 3, FP 0, FN 1 -> P 1, R 3/4, F1 = 6 / (6 + 0 + 1) = 6/7
    overall = result.overall
    assert {k: overall["micro"][k] for k in ("tp", "fp", "fn")} == {"tp": 3, "fp": 0, "fn": 0}
    assert {k: overall["macro"][k] for k in ("tp", "fp", "fn")} == {"tp": 0, "fp": 0, "fn": 1}
    assert overall["overall"]["f1"] == pytest.approx(6 / 7)
    assert [row["subject"] for row in result.per_subject] == ["s1", "s2", "s3"]
    assert [f["subject"] for f in result.folds] == ["s1", "s2", "s3"]
    assert result.to_dict()["videos"][2]["truth"][1]["kind"] == "macro"


def test_spotting_loso_needs_two_subjects_and_a_prediction_per_video(tmp_path):
    with pytest.raises(ValueError, match="two subjects"):
        spotting_loso(FixedSpotter, [video("a", "s1", (Event(0, 4, 9),))], workdir=tmp_path, progress=lambda f, m: None)

    class Forgetful(FixedSpotter):
        def predict(self, clips):
            return []

    data = [video("a", "s1", (Event(0, 4, 9),)), video("b", "s2", (Event(0, 4, 9),))]
    with pytest.raises(ValueError, match="no prediction"):
        spotting_loso(Forgetful, data, workdir=tmp_path, progress=lambda f, m: None)


def test_segments_helper_does_not_leak():
    clip = video("a", "s1", (Event(0, 4, 9),))
    from mlbackend.evaluation.spotting import spotting_input

    assert clip.clip.segments == (Segment(0, 4, 9),)
    assert spotting_input(clip).segments == ()
    assert dataclasses.replace(clip.clip, segments=()).frames is spotting_input(clip).frames
