"""The import service on real files and a real database: quirks reported, frames kept, all or nothing."""

from pathlib import Path

import pytest
from django.conf import settings

from annotator.datasets import DatasetError
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, EventRevision, Subject
from annotator.services.datasets import DATASET_CODER, dataset_import
from tests.annotator.datasets import fixtures


def run(project, root, fmt="casme2", **kwargs):
    return dataset_import(project=project, format=fmt, root=root, align=False, **kwargs)


def by_line(report) -> dict[int, dict]:
    return {row["line"]: row for row in report["rows"]}


@pytest.mark.django_db
def test_casme2_rows_are_mapped_through_the_frame_numbers_and_quirks_are_reported(dataset_project, tmp_path):
    report = run(dataset_project, fixtures.casme2(tmp_path / "casme2"))
    rows = by_line(report)
    assert rows[2]["outcome"] == "imported" and rows[2]["reasons"] == []
    assert rows[3]["outcome"] == "flagged" and "apex is empty" in rows[3]["reasons"]
    assert rows[4]["outcome"] == "flagged" and "apex is '/'" in rows[4]["reasons"]
    assert rows[5]["outcome"] == "skipped" and "offset 2 comes before onset 5" in rows[5]["reasons"]
    assert rows[6]["outcome"] == "skipped" and any("offset frame 60 has no frame file" in r for r in rows[6]["reasons"])
    assert rows[7]["outcome"] == "flagged" and any("could not be parsed" in r for r in rows[7]["reasons"])
    assert rows[8]["outcome"] == "flagged"
    assert any("'tense' is not in the project's set" in r for r in rows[8]["reasons"])
    assert rows[9]["outcome"] == "skipped" and any("no frame folder" in r for r in rows[9]["reasons"])
    assert (report["summary"]["rows"], report["summary"]["rows_imported"], report["summary"]["rows_flagged"],
            report["summary"]["rows_skipped"]) == (8, 5, 4, 3)

    clip = Clip.objects.get(project=dataset_project, name="EP02_01f")
    assert clip.subject.code == "casme2-sub01" and clip.dataset == "CASME II" and clip.fps == 200.0
    assert clip.frame_numbers == list(range(46, 54)) and clip.frame_count == 8
    assert clip.status == Clip.Status.READY
    clean = CodingEvent.objects.get(clip=clip, onset=0, offset=7)
    assert (clean.apex, clean.emotion, clean.status) == (3, "happiness", CodingEvent.Status.REVIEWED)
    assert clean.coder.username == DATASET_CODER and not clean.coder.has_usable_password()
    assert clean.aus == [{"number": 12, "side": "both", "intensity": None}] and clean.aus_raw == "12"
    missing_apex = CodingEvent.objects.get(clip=clip, onset=1)
    assert missing_apex.apex is None  # not guessed
    assert missing_apex.aus == [{"number": 12, "side": "R", "intensity": None},
                                {"number": 14, "side": "L", "intensity": "A"}]
    unparsed = CodingEvent.objects.get(clip__name="EP03_02", onset=1, offset=3)
    assert unparsed.aus == [] and unparsed.aus_raw == "4 or 7"
    full_width = CodingEvent.objects.get(clip__name="EP03_02", onset=0, offset=2)
    assert [au["number"] for au in full_width.aus] == [4, 7] and full_width.emotion == "tense"
    assert EventRevision.objects.filter(clip__project=dataset_project).count() == 5


@pytest.mark.django_db
def test_jpeg_frames_are_stored_byte_for_byte_and_the_cropped_release_is_not_a_second_clip(dataset_project,
                                                                                            tmp_path):
    root = fixtures.casme2(tmp_path / "casme2")
    run(dataset_project, root)
    assert Clip.objects.filter(project=dataset_project).count() == 2
    clip = Clip.objects.get(name="EP02_01f")
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    original = root / "CASME2_RAW_selected" / "sub01" / "EP02_01f"
    for frame_id, number in enumerate(clip.frame_numbers):
        assert store.frame_path(frame_id).read_bytes() == (original / f"img{number}.jpg").read_bytes()


@pytest.mark.django_db
def test_reimport_is_idempotent(dataset_project, tmp_path):
    root = fixtures.casme2(tmp_path / "casme2")
    first = run(dataset_project, root)

    def rows():
        return list(CodingEvent.objects.filter(clip__project=dataset_project).order_by("pk").values_list(
            "pk", "clip__name", "onset", "apex", "offset", "emotion", "aus_raw", "version"))

    before = (rows(), Clip.objects.count(), Subject.objects.count())
    second = run(dataset_project, root)
    assert (rows(), Clip.objects.count(), Subject.objects.count()) == before
    assert first["summary"]["events_new"] == 5 and second["summary"]["events_new"] == 0
    assert second["summary"]["clips_new"] == 0


@pytest.mark.django_db
def test_dry_run_writes_nothing(dataset_project, tmp_path):
    report = run(dataset_project, fixtures.casme2(tmp_path / "casme2"), dry_run=True)
    assert report["dry_run"] and report["summary"]["rows_imported"] == 5
    assert not Clip.objects.exists() and not CodingEvent.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


@pytest.mark.django_db
def test_a_failing_import_leaves_no_rows_and_no_files(dataset_project, tmp_path, settings):
    root = fixtures.casme2(tmp_path / "casme2")
    # The second clip's last frame is not an image: the first clip was staged already.
    (root / "CASME2_RAW_selected" / "sub02" / "EP03_02" / "img6.jpg").write_bytes(b"not an image")
    with pytest.raises(DatasetError, match="not a JPEG, PNG or BMP"):
        run(dataset_project, root)
    assert not Clip.objects.exists() and not CodingEvent.objects.exists() and not Subject.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


@pytest.mark.django_db
def test_an_image_too_large_in_its_header_is_refused_before_decoding(dataset_project, tmp_path, settings):
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_WIDTH": 4096, "MAX_HEIGHT": 4096}
    root = fixtures.casme2(tmp_path / "casme2")
    frame = root / "CASME2_RAW_selected" / "sub01" / "EP02_01f" / "img50.jpg"
    data = bytearray(frame.read_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")  # 60000x60000, same bytes
    frame.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="60000x60000 pixels, over this server's limit"):
        run(dataset_project, root)
    assert not Clip.objects.exists() and not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


@pytest.mark.django_db
def test_a_link_in_the_dataset_folder_is_refused(dataset_project, tmp_path):
    root = fixtures.casme2(tmp_path / "casme2")
    secret = tmp_path / "outside.jpg"
    secret.write_bytes(fixtures.jpeg())
    (root / "CASME2_RAW_selected" / "sub01" / "EP02_01f" / "img99.jpg").symlink_to(secret)
    with pytest.raises(DatasetError, match="link"):
        run(dataset_project, root)
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_sheet_with_a_million_rows_is_refused_with_bounded_memory(dataset_project, tmp_path):
    root = fixtures.casme2(tmp_path / "casme2")
    fixtures.huge_sheet(root / "CASME2-coding-20140508.xlsx", rows=1_000_000)
    with pytest.raises(DatasetError, match="more than 100000 rows"):
        run(dataset_project, root)
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_failure_after_the_folders_moved_removes_them_with_the_rows(dataset_project, tmp_path, settings,
                                                                      monkeypatch):
    from annotator.services import datasets

    def broken(*args, **kwargs):
        assert any((Path(settings.MEDIA_ROOT) / "clips").rglob("*.jpg"))  # the frames were in place already
        raise RuntimeError("database went away")

    monkeypatch.setattr(datasets, "_write_events", broken)
    with pytest.raises(RuntimeError, match="database went away"):
        run(dataset_project, fixtures.casme2(tmp_path / "casme2"))
    assert not Clip.objects.exists() and not Subject.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


@pytest.mark.django_db
def test_sheet_emotions_take_the_project_spelling(project, tmp_path):
    project.emotion_labels = ["Happiness", "Surprise"]
    project.save(update_fields=["emotion_labels"])
    run(project, fixtures.mmew(tmp_path / "mmew"), fmt="mmew")
    assert CodingEvent.objects.get().emotion == "Happiness"
