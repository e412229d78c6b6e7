"""The agreement figures' matcher (annotator) and the spotting evaluation's (mlbackend, which plugins import
and so may not reach annotator) are two copies of one rule: they must give the same matches."""

from hypothesis import given, settings, strategies as st

from annotator.agreement.matching import match_intervals as agreement_match
from mlbackend.evaluation.spotting import match_intervals as spotting_match

interval = st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=150, deadline=None)
@given(st.lists(interval, max_size=6), st.lists(interval, max_size=6))
def test_both_matchers_agree(first, second):
    ours = sorted(agreement_match(first, second))
    theirs = sorted(spotting_match(first, second))
    assert [(i, j) for i, j, _ in ours] == [(i, j) for i, j, _ in theirs]
    assert all(abs(a[2] - b[2]) < 1e-12 for a, b in zip(ours, theirs))
