import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.datasets.aus import parse_aus


@pytest.mark.parametrize("raw, expected", [
    ("R12 + R15", [(12, "R", None), (15, "R", None)]),
    ("R14A", [(14, "R", "A")]),
    ("4+7", [(4, "both", None), (7, "both", None)]),
    ("AU4+AU7", [(4, "both", None), (7, "both", None)]),
    ("L10，12L", [(10, "L", None), (12, "L", None)]),
    ("4C, 9", [(4, "both", "C"), (9, "both", None)]),
    (12.0, [(12, "both", None)]),
    ("", []),
    (None, []),
])
def test_au_strings_parse_to_number_side_intensity(raw, expected):
    parsed = parse_aus(raw)
    assert parsed.unparsed == []
    assert [(au["number"], au["side"], au["intensity"]) for au in parsed.aus] == expected


@pytest.mark.parametrize("raw, bad", [("R12 or R15", ["or"]), ("4+?", ["?"]), ("L12R", ["L12R"])])
def test_free_text_leaves_the_aus_empty_and_names_what_failed(raw, bad):
    parsed = parse_aus(raw)
    assert parsed.aus == [] and parsed.unparsed == bad


AU = st.tuples(st.integers(1, 64), st.sampled_from(["L", "R", "both"]),
               st.sampled_from([None, "A", "B", "C", "D", "E"]))


@given(aus=st.lists(AU, max_size=6, unique_by=lambda au: (au[0], au[1])),
       separator=st.sampled_from(["+", " + ", ",", "，", " "]), prefix=st.booleans(), side_after=st.booleans())
def test_any_written_au_list_parses_back(aus, separator, prefix, side_after):
    def write(number, side, intensity):
        letter = "" if side == "both" else side
        core = f"{number}{letter}" if side_after else f"{letter}{number}"
        return f"{'AU' if prefix and not letter else ''}{core}{intensity or ''}"

    parsed = parse_aus(separator.join(write(*au) for au in aus))
    assert parsed.unparsed == []
    expected = sorted(aus, key=lambda au: (au[0], au[1]))
    assert [(au["number"], au["side"], au["intensity"]) for au in parsed.aus] == expected
