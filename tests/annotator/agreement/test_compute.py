"""Agreement figures against cases computed by hand (protocols.md, FACS practice)."""

import pytest

from annotator.agreement.compute import ClipCoding, Code, agreement
from annotator.agreement.matching import interval_iou, match_intervals
from annotator.agreement.measures import cohen_kappa, fleiss_kappa, krippendorff_nominal


def code(event_id, onset, apex, offset, emotion="", aus=()):
    return Code(event_id, onset, apex, offset, emotion, frozenset(aus))


def two_coders():
    ann = [code(1, 10, 15, 20, "happiness", {6, 12}), code(2, 50, 55, 60, "surprise", {1, 2, 5}),
           code(3, 100, 102, 104, "disgust", {9})]
    bob = [code(11, 11, 16, 20, "happiness", {12}), code(12, 52, 54, 60, "fear", {1, 2}),
           code(13, 200, 201, 202, "anger", {4})]
    return [ClipCoding(7, "clip7", "S01", "CASME II", {"ann": ann, "bob": bob})]


def test_two_coders_by_hand():
    result = agreement(two_coders())
    figures = result.by_pair[("ann", "bob")]
    # e1-f1: inter 10, union 11; e2-f2: inter 9, union 11; e3 and f3 overlap nothing.
    assert figures["matched"] == 2 and figures["events_a"] == 3 and figures["events_b"] == 3
    assert figures["event_agreement"] == pytest.approx(2 * 2 / 6)
    # AUs: {6,12} vs {12}: 1 agreed of 3; {1,2,5} vs {1,2}: 2 of 5; pooled 2 x 3 / 8.
    assert figures["au_ratio"] == pytest.approx(0.75)
    # Emotions (happiness, happiness), (surprise, fear): po 1/2, pe 1/4, kappa (1/2 - 1/4) / (3/4).
    assert figures["cohen_kappa"] == pytest.approx(1 / 3)
    assert figures["emotion_percent"] == pytest.approx(0.5)
    assert figures["mean_onset_diff"] == pytest.approx(1.5)
    assert figures["mean_apex_diff"] == pytest.approx(1.0)
    assert figures["mean_offset_diff"] == pytest.approx(0.0)
    assert figures["mean_iou"] == pytest.approx((10 / 11 + 9 / 11) / 2)
    assert result.overall["au_ratio"] == pytest.approx(0.75)
    per_au = {row["au"]: row for row in result.per_au}
    assert per_au[12]["ratio"] == 1.0 and per_au[1]["ratio"] == 1.0 and per_au[2]["ratio"] == 1.0
    assert per_au[6] == {"au": 6, "both": 0, "only_a": 1, "only_b": 0, "ratio": 0.0}
    assert per_au[5]["ratio"] == 0.0 and 9 not in per_au and 4 not in per_au, "unmatched events have no AU pairs"
    assert len(result.rows) == 4 and len(result.by_clip) == 1
    # Two coders: alpha over the 4 groups (two paired, two single) equals the nominal alpha of the paired units.
    assert result.krippendorff_alpha == pytest.approx(krippendorff_nominal([["happiness", "surprise"],
                                                                            ["happiness", "fear"]]))
    assert result.fleiss_kappa is None


def test_three_coders_fleiss_and_krippendorff_by_hand():
    labels = {"ann": "aaba", "bob": "aabb", "cat": "abbb"}  # units: aaa, aab, bbb, abb
    codes = {name: [code(i, 100 * i, None, 100 * i + 9, label) for i, label in enumerate(row)]
             for name, row in labels.items()}
    result = agreement([ClipCoding(1, "c", "S01", "", codes)])
    # Fleiss: P_i = 1, 1/3, 1, 1/3 -> mean 2/3; p_a = p_b = 1/2 -> Pe 1/2; kappa (2/3 - 1/2) / (1/2) = 1/3.
    assert result.fleiss_kappa == pytest.approx(1 / 3)
    # Krippendorff nominal: o_ab + o_ba = 4 of n = 12, D_e = 2 * 6 * 6 / (12 * 11); alpha = 1 - (1/3) / (6/11).
    assert result.krippendorff_alpha == pytest.approx(7 / 18)
    assert len(result.by_pair) == 3 and result.overall["matched"] == 12


def test_pair_filter_keeps_one_pair():
    codes = {name: [code(1, 0, 5, 9, "fear")] for name in ("ann", "bob", "cat")}
    result = agreement([ClipCoding(1, "c", "S01", "", codes)], pair=("cat", "ann"))
    assert list(result.by_pair) == [("ann", "cat")] and result.coders == ["ann", "cat"]


def test_matching_takes_the_most_matches_not_the_best_single_iou():
    first, second = [(3, 12), (0, 8)], [(0, 9), (0, 4)]
    # (0, 8)-(0, 9) has the best IoU (.9), but taking it leaves (3, 12) and (0, 4) unmatched (IoU 2/13);
    # the assignment with most matches is (3, 12)-(0, 9) (7/13) and (0, 8)-(0, 4) (5/9).
    assert [(i, j) for i, j, _ in sorted(match_intervals(first, second))] == [(0, 0), (1, 1)]
    assert [(i, j) for i, j, _ in sorted(match_intervals(first, second[::-1]))] == [(0, 1), (1, 0)]
    assert interval_iou((0, 8), (3, 11)) == 0.5 and match_intervals([(0, 8)], [(3, 11)]) == [(0, 0, 0.5)]
    assert match_intervals([(0, 8)], [(4, 12)]) == []


def test_kappas_are_undefined_without_variation():
    assert cohen_kappa(["fear", "fear"], ["fear", "fear"]) is None
    assert cohen_kappa([], []) is None
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) is None
    assert cohen_kappa(["a", "b"], ["a", "b"]) == pytest.approx(1.0)
