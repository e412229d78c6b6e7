"""Every export format reads back what it wrote (hypothesis), and the ELAN times match the frames."""

import csv
import zipfile
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.exports.formats import FORMATS, rows_kept
from annotator.exports.notation import NotationError, format_aus, parse_aus
from annotator.exports.rows import ExportRow, carried
from annotator.exports.sheet import COLUMNS

pympi = pytest.importorskip("pympi")

AUS = st.lists(
    st.fixed_dictionaries({"number": st.sampled_from([1, 2, 4, 6, 7, 12, 14, 15, 17, 24, 43]),
                           "side": st.sampled_from(["L", "R", "both"]),
                           "intensity": st.sampled_from([None, "A", "B", "C", "D", "E"])}),
    max_size=4, unique_by=lambda au: (au["number"], au["side"]),
).map(lambda aus: tuple(sorted(aus, key=lambda au: (au["number"], au["side"]))))
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).map(str.strip) \
    .filter(bool)
CODE = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True)


@st.composite
def rows(draw):
    fps = draw(st.sampled_from([30.0, 60.0, 90.0, 100.0, 200.0]))
    first = draw(st.integers(0, 6000))  # the dataset's number of frame 0 (img46.jpg, 006_05562.jpg...)
    clips = draw(st.lists(st.tuples(CODE, TEXT, st.sampled_from(["CASME II", "SAMM", "SMIC-HS", "=lab"])),
                          min_size=1, max_size=3, unique_by=lambda c: (c[0], c[1])))
    out = []
    for subject, clip, dataset in clips:
        for _ in range(draw(st.integers(1, 4))):
            onset = draw(st.integers(0, 300))
            offset = draw(st.integers(onset, onset + 120))
            apex = draw(st.one_of(st.none(), st.integers(onset, offset)))
            out.append(ExportRow(
                dataset=dataset, subject=subject, clip=clip, onset=first + onset,
                apex=None if apex is None else first + apex, offset=first + offset,
                emotion=draw(st.sampled_from(["", "happiness", "negative", "positive", "surprise", "-x", "=1+1"])),
                aus=draw(AUS), kind=draw(st.sampled_from(["micro", "macro"])),
                coder=draw(st.sampled_from(["C1", "C2", "dataset"])),
                status=draw(st.sampled_from(["draft", "submitted", "reviewed"])),
                onset_id=onset, apex_id=apex, offset_id=offset, fps=fps,
            ))
    return out


def key(row, names):
    return carried(row, names)


@pytest.mark.parametrize("name", sorted(FORMATS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows())
def test_export_then_parse_gives_the_same_events(name, data, tmp_path_factory):
    fmt = FORMATS[name]
    path = tmp_path_factory.mktemp(name) / f"export.{fmt.extension}"
    fmt.write(data, path)
    back = fmt.parse(path)
    expected = Counter(key(row, fmt.carries) for row in rows_kept(fmt, data))
    assert Counter(key(row, fmt.carries) for row in back) == expected


@given(aus=AUS)
def test_facs_notation_round_trips(aus):
    assert tuple(parse_aus(format_aus(aus))) == aus


def test_facs_notation_reads_dataset_variants_and_rejects_free_text():
    assert parse_aus("AU4+AU7") == [{"number": 4, "side": "both", "intensity": None},
                                    {"number": 7, "side": "both", "intensity": None}]
    assert parse_aus("R12B, 14L，4C") == [{"number": 4, "side": "both", "intensity": "C"},
                                         {"number": 12, "side": "R", "intensity": "B"},
                                         {"number": 14, "side": "L", "intensity": None}]
    assert format_aus([{"number": 14, "side": "L", "intensity": None}, {"number": 12, "side": "R", "intensity": "B"}]) \
        == "R12B+L14"
    with pytest.raises(NotationError):
        parse_aus("4 or 7")


def sample_rows():
    return [
        ExportRow(dataset="CASME II", subject="sub01", clip="EP02_01f", onset=46, apex=59, offset=86, emotion="happiness",
                  aus=({"number": 12, "side": "R", "intensity": "B"},), coder="C3", status="reviewed",
                  onset_id=0, apex_id=13, offset_id=40, fps=200.0),
        ExportRow(dataset="CASME II", subject="sub01", clip="EP02_01f", onset=50, apex=None, offset=60, emotion="",
                  coder="C3", status="submitted", onset_id=4, apex_id=None, offset_id=14, fps=200.0),
        ExportRow(dataset="CASME II", subject="sub01", clip="EP02_01f", onset=46, apex=50, offset=70, emotion="disgust",
                  coder="dataset", status="reviewed", kind="macro", onset_id=0, apex_id=4, offset_id=24, fps=200.0),
    ]


def test_elan_document_opens_with_pympi_and_its_times_match_the_frames(tmp_path):
    path = tmp_path / "codes.zip"
    FORMATS["elan"].write(sample_rows(), path)
    with zipfile.ZipFile(path) as archive:
        (name,) = archive.namelist()
        archive.extract(name, tmp_path)
    eaf = pympi.Elan.Eaf(str(tmp_path / name))
    assert set(eaf.get_tier_names()) == {"events C3", "AUs C3", "apex C3", "events C3 #2", "AUs C3 #2", "apex C3 #2",
                                         "events dataset", "AUs dataset", "apex dataset"}
    # frame f starts at f * 1000 / fps ms; an event ends where the frame after its offset begins
    first, overlapping = sorted(eaf.get_annotation_data_for_tier("events C3")
                                + eaf.get_annotation_data_for_tier("events C3 #2"))
    assert first == (0, 205, "happiness [micro, reviewed]")
    assert overlapping == (20, 75, "- [micro, submitted]")
    assert eaf.get_annotation_data_for_tier("apex C3") == [(65, 70, "apex")]
    assert eaf.get_annotation_data_for_tier("AUs C3") == [(0, 205, "R12B")]
    assert eaf.get_annotation_data_for_tier("events dataset") == [(0, 125, "disgust [macro, reviewed]")]
    assert dict(eaf.properties)["subject"] == "sub01"


def test_sheets_have_the_casme2_columns_and_never_a_formula(tmp_path):
    from openpyxl import load_workbook

    rows = sample_rows()
    rows[0] = ExportRow(**{**rows[0].__dict__, "clip": "=HYPERLINK(\"http://x\")"})
    FORMATS["casme2_xlsx"].write(rows, tmp_path / "codes.xlsx")
    book = load_workbook(tmp_path / "codes.xlsx")
    sheet = book.worksheets[0]
    assert tuple(c.value for c in sheet[1]) == COLUMNS
    assert [c.value for c in sheet[2]] == ["CASME II", "sub01", "'=HYPERLINK(\"http://x\")", 46, 59, 86, "R12B",
                                           "happiness", "micro", "C3", "reviewed"]
    assert sheet["E3"].value is None  # no apex: an empty cell, nothing invented
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert book.properties.creator == "MEStudio"
    FORMATS["casme2_csv"].write(rows, tmp_path / "codes.csv")
    with open(tmp_path / "codes.csv", newline="") as handle:
        records = list(csv.reader(handle))
    assert tuple(records[0]) == COLUMNS and records[1][2].startswith("'=") and records[2][4] == ""


def test_megc_composite_keeps_its_three_classes(tmp_path):
    rows = sample_rows()
    rows = [ExportRow(**{**rows[0].__dict__, "emotion": "positive"}), ExportRow(**{**rows[1].__dict__, "emotion": "others"})]
    FORMATS["megc_composite"].write(rows, tmp_path / "gt.csv")
    with open(tmp_path / "gt.csv", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert records == [{"dataset": "CASME II", "sub": "sub01", "filename_o": "EP02_01f", "label": "1", "apex": "59",
                        "emotion": "positive"}]
