"""One contract test over every registered format, on a fixture built to that dataset's documented layout."""

import pytest
from django.conf import settings

from annotator.datasets import FORMATS
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent
from annotator.services.datasets import dataset_import
from tests.annotator.datasets import fixtures

# (subject code, clip name, onset id, apex id, offset id, kind, emotion, AUs as (number, side, intensity))
EXPECTED = {
    "casme": {
        ("casme-sub01", "EP01_6", 1, 3, 6, "micro", "disgust", ((4, "both", None), (10, "L", None))),
        ("casme-sub08", "EP10", 0, 2, 5, "micro", "comtempt", ((12, "both", None),)),
    },
    "casme2": None,  # covered line by line in test_import.py
    "samm": {
        ("samm-006", "006_1_2", 0, 3, 7, "micro", "contempt", ((12, "R", None), (15, "R", None))),
        ("samm-006", "006_1_2", 1, 2, 4, "micro", "other", ((14, "R", "A"),)),
    },
    "smic": {("smic-s01", "s01_po_01", 0, None, 5, "micro", "positive", ())},
    "smic_e": {("smic_e-s01", "s01_ne_01", 2, None, 7, "micro", "negative", ())},
    "casme_sq": {
        ("casme_sq-s15", "15_0401girlcrashing", 1, 3, 5, "micro", "anger", ((4, "both", None), (7, "both", None))),
        ("casme_sq-s15", "15_0401girlcrashing", 2, 4, 4, "macro", "happiness", ((12, "both", None),)),
    },
    "samm_lv": {
        ("samm_lv-006", "006_1", 1, 3, 7, "micro", "", ((12, "R", None),)),
        ("samm_lv-007", "007_2", 2, None, 8, "macro", "", ((4, "both", None), (7, "both", None))),
    },
    "casme3a": {
        ("casme3a-spNO.1", "b", 0, 2, 5, "micro", "happy", ((1, "L", None), (2, "R", None))),
        ("casme3a-spNO.1", "b", 6, 7, 9, "micro", "disgust", ((4, "both", None),)),
    },
    "mmew": {("mmew-S01", "S01-01-001", 0, 3, 7, "micro", "happiness", ((6, "both", None), (12, "both", None)))},
}
FLAGGED = {"casme": 1, "samm": 1, "smic": 0, "smic_e": 0, "casme_sq": 1, "samm_lv": 1, "casme3a": 1, "mmew": 0}
SKIPPED = {"casme": 0, "samm": 0, "smic": 0, "smic_e": 1, "casme_sq": 0, "samm_lv": 0, "casme3a": 0, "mmew": 0}


def test_every_registered_format_has_a_fixture_and_expectations():
    assert set(FORMATS) == set(fixtures.BUILDERS) == set(EXPECTED)
    for fmt in FORMATS.values():
        assert fmt.fps > 0 and fmt.label and fmt.frame_pattern.groups >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(name for name, expected in EXPECTED.items() if expected))
def test_format_imports_its_documented_layout(name, dataset_project, tmp_path):
    root = fixtures.BUILDERS[name](tmp_path / name)
    report = dataset_import(project=dataset_project, format=name, root=root, align=False)
    events = {
        (e.clip.subject.code, e.clip.name, e.onset, e.apex, e.offset, e.kind, e.emotion,
         tuple((au["number"], au["side"], au["intensity"]) for au in e.aus))
        for e in CodingEvent.objects.filter(clip__project=dataset_project).select_related("clip__subject")
    }
    assert events == EXPECTED[name]
    assert report["summary"]["rows_flagged"] == FLAGGED[name], report["rows"]
    assert report["summary"]["rows_skipped"] == SKIPPED[name], report["rows"]
    for clip in Clip.objects.filter(project=dataset_project):
        assert clip.dataset == FORMATS[name].label and clip.fps == FORMATS[name].fps
        assert len(clip.frame_numbers) == clip.frame_count
        store = FrameStore(settings.MEDIA_ROOT, clip.pk)
        stored = sorted(store.frames_dir.iterdir())
        assert len(stored) == clip.frame_count
        assert all(path.read_bytes()[:2] == b"\xff\xd8" for path in stored)  # BMP converted once to JPEG


@pytest.mark.django_db
def test_smic_subjects_are_zero_padded_and_only_micro_folders_are_clips(dataset_project, tmp_path):
    dataset_import(project=dataset_project, format="smic", root=fixtures.smic(tmp_path / "smic"), align=False)
    clip = Clip.objects.get(project=dataset_project)
    assert (clip.subject.code, clip.name, clip.frame_numbers) == ("smic-s01", "s01_po_01", list(range(120, 126)))


@pytest.mark.django_db
def test_samm_long_videos_keep_4_and_5_digit_frame_numbers(dataset_project, tmp_path):
    dataset_import(project=dataset_project, format="samm_lv", root=fixtures.samm_lv(tmp_path / "lv"), align=False)
    numbers = dict(Clip.objects.filter(project=dataset_project).values_list("name", "frame_numbers"))
    assert numbers == {"006_1": list(range(1, 11)), "007_2": list(range(1, 11))}


@pytest.mark.django_db
def test_smic_e_clip_relative_files_are_shifted_by_first_f_and_the_row_says_so(dataset_project, tmp_path):
    root = tmp_path / "smic_e"
    fixtures.frames(root / "s01" / "s01_ne_01", [f"image{n:06d}.bmp" for n in range(1, 11)], maker=fixtures.bmp)
    fixtures.workbook(root / "SMIC-HS-E_annotation.xlsx", {"Sheet1": [
        ["Subject", "Filename", "OnsetF", "OffsetF", "FirstF", "Emotion"],
        [1, "s01_ne_01", 1002, 1007, 1000, "negative"],
    ]})
    report = dataset_import(project=dataset_project, format="smic_e", root=root, align=False)
    event = CodingEvent.objects.get()
    assert (event.onset, event.offset) == (2, 7)  # absolute 1002 is the file image000003, frame id 2
    assert "shifted by -999" in report["rows"][0]["source"]


@pytest.mark.django_db
def test_casme_sq_rows_whose_video_is_not_in_the_naming_rules_are_skipped_with_the_reason(dataset_project, tmp_path):
    root = fixtures.casme_sq(tmp_path / "cas")
    fixtures.workbook(root / "CAS(ME)^2code_final.xlsx", {
        "CASFEcode_final": [[1, "happy3_1", 2, 4, 6, "12", "happiness", "micro-expression", "happy"]],
        "naming rule1": [["name", "s15", 1]],
        "naming rule2": [["0401", "anger1"]],
    })
    report = dataset_import(project=dataset_project, format="casme_sq", root=root, align=False)
    row = report["rows"][0]
    assert row["outcome"] == "skipped" and "video 'happy3' is not in the sheet 'naming rule2'" in row["reasons"]
    assert not CodingEvent.objects.exists()
