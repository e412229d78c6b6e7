"""manage.py import_clips: every good path is queued, every bad one is reported, and a bad one fails the command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Clip, Job
from tests.conftest import ingest_now


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_clips", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_good_paths_are_queued(project, sample_dir, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "f2.jpg").write_bytes((sample_dir / "single_face.jpg").read_bytes())
    (folder / "f10.jpg").write_bytes((sample_dir / "single_face.jpg").read_bytes())
    out, err = run(sample_dir / "single_face.mp4", sample_dir / "face_noface.mov", folder,
                   sample_dir / "single_face.jpg", "--project", project.name, "--subject", "S04", "--no-align",
                   "--user", "lead")
    assert err == ""
    assert "4 clip(s) queued for ingest" in out
    clips = {c.name: c for c in Clip.objects.filter(subject__code="S04")}
    assert set(clips) == {"single_face.mp4", "face_noface.mov", "frames", "single_face.jpg"}
    assert clips["frames"].source_kind == Clip.SourceKind.FRAMES
    assert clips["single_face.jpg"].source_kind == Clip.SourceKind.IMAGE
    for clip in clips.values():
        job = Job.objects.get(clip=clip)
        assert (job.status, job.params, job.created_by.username) == (Job.Status.QUEUED, {"align": False}, "lead")
        assert f"clip {clip.pk} queued" in out

    ingest_now(clips["face_noface.mov"])
    assert (clips["face_noface.mov"].status, clips["face_noface.mov"].frame_count) == (Clip.Status.READY, 169)
    ingest_now(clips["frames"])
    assert clips["frames"].frame_count == 2


@pytest.mark.django_db
def test_the_project_may_be_given_by_id_and_fps_overrides(project, sample_dir):
    run(sample_dir / "single_face.mp4", "--project", project.pk, "--subject", "S01", "--fps", "200", "--no-align")
    clip = Clip.objects.get()
    assert clip.fps == 200.0
    ingest_now(clip)
    assert clip.fps == 200.0  # the container's 30 fps does not win over the lab's word
    assert clip.duration_s == pytest.approx(72 / 200)


@pytest.mark.django_db
def test_bad_paths_fail_the_command_but_good_ones_are_still_queued(project, sample_dir, tmp_path):
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"2 path\(s\) could not be imported"):
        call_command("import_clips", str(tmp_path / "missing.mp4"), str(sample_dir / "single_face.mp4"),
                     str(empty_folder), "--project", project.name, "--subject", "S01", stdout=out, stderr=err)
    assert f"{tmp_path / 'missing.mp4'}: The source cannot be read" in err.getvalue()
    assert f"{empty_folder}: The frame folder holds no .jpg, .png or .bmp images." in err.getvalue()
    assert "1 clip(s) queued for ingest" in out.getvalue()

    good = Clip.objects.get(name="single_face.mp4")
    assert Job.objects.get(clip=good).status == Job.Status.QUEUED
    failed = Clip.objects.filter(status=Clip.Status.FAILED)
    assert failed.count() == 2
    assert not Job.objects.filter(clip__in=failed).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--project", "No such lab", "--subject", "S01"], "No project named 'No such lab'"),
    (["--project", "Lab study", "--subject", "S01", "--user", "ghost"], "No user named 'ghost'"),
    (["--project", "Lab study", "--subject", "Jane Doe"], "pseudonym"),
])
def test_bad_options_fail_before_anything_is_imported(args, message, project, sample_dir):
    with pytest.raises(CommandError, match=message):
        run(sample_dir / "single_face.mp4", *args)
    assert not Clip.objects.exists()
