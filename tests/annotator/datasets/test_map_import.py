from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotator.datasets import DatasetError
from annotator.media.framestore import FrameStore
from annotator.models import Clip, CodingEvent, Job, Subject
from annotator.services.map_import import map_import
from tests.annotator.datasets import map_fixtures


@pytest.mark.django_db
def test_a_map_set_lands_as_one_frame_map_clips_with_subjects_datasets_and_labels(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    report = map_import(project=project, root=images, labels=labels)
    assert report["summary"]["clips_new"] == len(rows) == 27 and report["summary"]["images_unmatched"] == 0
    assert report["summary"]["per_dataset"] == {"casme2": 9, "samm": 9, "smic": 9}
    clip = Clip.objects.get(name="EP02_01f", subject__code="casme2-sub01")
    assert (clip.source_kind, clip.frame_count, clip.dataset, clip.status) == ("map", 1, "casme2", "ready")
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    maps = np.load(store.maps_path)
    assert maps.shape == (3, 28, 28) and maps.dtype == np.float32 and store.frame_path(0).is_file()
    assert maps[1, :14].mean() > maps[1, 14:].mean() + 0.4  # label 1 (positive): v bright on the top, as drawn
    assert CodingEvent.objects.get(clip=clip).emotion == "positive"
    assert {"negative", "positive", "surprise"} <= set(type(project).objects.get(pk=project.pk).emotion_labels)
    assert Subject.objects.filter(project=project).count() == 9
    assert store.read_meta()["csv"]["apex"] == "12"  # extra columns kept


@pytest.mark.django_db
def test_missing_and_extra_images_are_reported_never_guessed(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    (images / "casme2" / "sub01_EP01_01f.png").unlink()
    map_fixtures.write_image(images / "smic" / "s09_s09_ne_01.png", np.zeros((28, 28, 3), np.uint8))
    # a near miss: the file name without the subject is not `<sub>_<filename>`, so no match is invented
    (images / "casme2" / "sub02_EP01_01f.png").rename(images / "casme2" / "EP01_01f.png")
    report = map_import(project=project, root=images, labels=labels)
    assert sorted((r["line"], r["reasons"][0]) for r in report["rows"] if r["outcome"] == "skipped") == [
        (2, "no image named 'sub01_ep01_01f' (.png, .jpg or .jpeg)"),
        (5, "no image named 'sub02_ep01_01f' (.png, .jpg or .jpeg)")]
    extra = sorted(r["image"] for r in report["rows"] if r["outcome"] == "unmatched image")
    assert extra == ["casme2/EP01_01f.png", "smic/s09_s09_ne_01.png"]
    assert Clip.objects.count() == 25


@pytest.mark.django_db
def test_name_variants_match_case_whitespace_and_jpg(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    (images / "casme2" / "sub01_EP01_01f.png").rename(images / "casme2" / "SUB01_ep01_01F.PNG")
    (images / "casme2" / "sub01_EP02_01f.png").rename(images / "casme2" / "sub01_EP02_01f .png")
    import cv2

    source = images / "casme2" / "sub01_EP03_01f.png"
    cv2.imwrite(str(images / "casme2" / "sub01_EP03_01f.jpg"), cv2.imread(str(source)))
    source.unlink()
    report = map_import(project=project, root=images, labels=labels)
    assert report["summary"]["rows_skipped"] == 0 and report["summary"]["images_unmatched"] == 0
    assert Clip.objects.filter(subject__code="casme2-sub01").count() == 3


@pytest.mark.django_db
def test_same_named_images_in_two_dataset_folders_resolve_by_the_rows_dataset(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_fixtures.write_image(images / "other" / "sub01_EP01_01f.png", np.zeros((28, 28, 3), np.uint8))
    report = map_import(project=project, root=images, labels=labels, dry_run=True)
    imported = {(r["subject"], r["clip"]): r["image"] for r in report["rows"] if r["outcome"] == "imported"}
    assert imported[("sub01", "EP01_01f")] == "casme2/sub01_EP01_01f.png"
    assert [r["image"] for r in report["rows"] if r["outcome"] == "unmatched image"] == ["other/sub01_EP01_01f.png"]
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_reimport_is_idempotent_and_updates_a_changed_label(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_import(project=project, root=images, labels=labels)
    again = map_import(project=project, root=images, labels=labels)
    assert again["summary"]["clips_new"] == 0 and again["summary"]["events_new"] == 0
    rows[0]["label"] = 2
    map_fixtures.write_csv(labels, rows)
    map_import(project=project, root=images, labels=labels)
    assert Clip.objects.count() == 27 and CodingEvent.objects.count() == 27
    assert CodingEvent.objects.get(clip__name=rows[0]["filename_o"], clip__subject__code="casme2-sub01").emotion \
        == "surprise"


@pytest.mark.django_db
def test_a_hostile_image_fails_the_whole_import_and_leaves_nothing(project, tmp_path, settings):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    (images / "smic" / "s03_s03_ne_03.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)  # not an image
    with pytest.raises(DatasetError, match="not a JPEG, PNG or BMP"):
        map_import(project=project, root=images, labels=labels)
    assert not Clip.objects.exists() and not Subject.objects.filter(code__startswith="smic").exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("clips/*")) and not list(Path(settings.MEDIA_ROOT).glob("imports/*"))


@pytest.mark.django_db
def test_an_oversized_image_is_refused_from_its_header(project, tmp_path, settings):
    settings.MESTUDIO_INGEST = {**settings.MESTUDIO_INGEST, "MAX_WIDTH": 64, "MAX_HEIGHT": 64}
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_fixtures.write_image(images / "samm" / "006_006_1_2.png", np.zeros((80, 80, 3), np.uint8))
    with pytest.raises(DatasetError, match="over this server's limit"):
        map_import(project=project, root=images, labels=labels)
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_csv_without_the_required_columns_is_a_clear_error(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    labels.write_text("db,subject,file,class\ncasme2,sub01,EP01_01f,0\n")
    with pytest.raises(DatasetError, match="dataset, sub, filename_o, label"):
        map_import(project=project, root=images, labels=labels)


@pytest.mark.django_db
def test_apex_images_import_as_apex_clips_without_maps(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_import(project=project, root=images, labels=labels, kind="apex", align=False)
    clip = Clip.objects.first()
    assert clip.source_kind == "apex" and clip.frame_count == 1
    assert not FrameStore(settings.MEDIA_ROOT, clip.pk).maps_path.exists()


@pytest.mark.django_db
def test_command_imports_as_a_job_and_reports_per_dataset(project, tmp_path, capsys):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    (images / "samm" / "007_007_2_2.png").unlink()
    call_command("import_maps", str(images), "--labels", str(labels), "--project", project.name, "--dry-run")
    out = capsys.readouterr().out
    assert "DRY RUN, nothing written" in out and "skipped: line 15 samm 007/007_2_2: no image named" in out
    assert not Clip.objects.exists() and not Job.objects.exists()
    call_command("import_maps", str(images), "--labels", str(labels), "--project", project.name)
    out = capsys.readouterr().out
    assert "per dataset: casme2 9, samm 8, smic 9" in out
    assert Job.objects.get(kind="import").import_report.format == "maps" and Clip.objects.count() == 26


@pytest.mark.django_db
def test_command_refuses_a_missing_labels_file(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_maps", str(images), "--labels", str(tmp_path / "nope.csv"), "--project", project.name)


@pytest.mark.django_db
def test_a_csv_over_the_row_limit_is_refused_before_anything_is_written(project, tmp_path, settings):
    settings.MESTUDIO_IMPORT = {**settings.MESTUDIO_IMPORT, "MAX_SHEET_ROWS": 5}
    images, labels, rows = map_fixtures.map_set(tmp_path, per_subject=1)
    with pytest.raises(DatasetError, match="more than 5"):
        map_import(project=project, root=images, labels=labels)
    assert not Clip.objects.exists()


@pytest.mark.django_db
def test_a_row_with_an_unknown_label_or_twice_is_skipped_and_its_image_is_not_called_unmatched(project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    rows[0]["label"] = 7
    rows.append(dict(rows[1]))
    map_fixtures.write_csv(labels, rows)
    report = map_import(project=project, root=images, labels=labels, dry_run=True)
    skipped = sorted((r["line"], r["reasons"]) for r in report["rows"] if r["outcome"] == "skipped")
    assert skipped == [(2, ["label '7' is not one of 0..2"]), (29, ["the same sample as line 3"])]
    assert report["summary"]["images_unmatched"] == 0 and report["summary"]["rows_imported"] == 26
