"""Hostile archives through the real import job: a clear error, nothing outside the dataset root, no rows."""

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.models import Clip, ImportReport, Job
from annotator.services.dataset_jobs import dataset_import_job, dataset_import_start
from tests.annotator.datasets import fixtures


def zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def run_upload(project, lead, name: str, data: bytes) -> Job:
    job = dataset_import_start(project=project, user=lead, format="casme2",
                               archive=SimpleUploadedFile(name, data))
    dataset_import_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def assert_nothing_written(media_root: Path, outside: Path):
    assert not Clip.objects.exists()
    assert not outside.exists()
    imports = media_root / "imports"
    leftovers = [p for p in imports.rglob("*")] if imports.exists() else []
    assert [p for p in leftovers if p.is_file()] == []
    assert not (media_root / "clips").exists() or not any((media_root / "clips").rglob("*.jpg"))


@pytest.mark.django_db
def test_a_clean_zip_imports_and_leaves_its_report_and_no_upload(dataset_project, lead, tmp_path, media_root):
    data = zip_of(fixtures.casme2(tmp_path / "src"))
    job = run_upload(dataset_project, lead, "casme2.zip", data)
    assert job.status == Job.Status.SUCCEEDED, job.error
    report = ImportReport.objects.get(job=job)
    assert report.summary["rows_imported"] == 5 and Clip.objects.count() == 2
    assert not [p for p in (media_root / "imports").rglob("*") if p.is_file()]


def _zip_with(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, payload in entries:
            archive.writestr(info, payload)
    return buffer.getvalue()


def _symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info


@pytest.mark.django_db
@pytest.mark.parametrize("entry, message", [
    ("../../escaped.jpg", "'..' is refused"),
    ("/tmp/escaped.jpg", "absolute paths are refused"),
    (_symlink_info("CASME2_RAW_selected/sub01/EP02_01f/img1.jpg"), "symbolic link"),
])
def test_zip_paths_and_links_are_refused(entry, message, dataset_project, lead, tmp_path, media_root):
    data = _zip_with([("CASME2-coding-20140508.xlsx", b"x"), (entry, b"/etc/passwd")])
    job = run_upload(dataset_project, lead, "evil.zip", data)
    assert job.status == Job.Status.FAILED and message in job.error
    assert_nothing_written(media_root, tmp_path / "escaped.jpg")
    assert not Path("/tmp/escaped.jpg").exists()


def _tar_with(members: list[tarfile.TarInfo]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_tar_symbolic_and_hard_links_are_refused(kind, dataset_project, lead, tmp_path, media_root):
    link = tarfile.TarInfo("data/link.jpg")
    link.type, link.linkname = kind, "/etc/passwd"
    job = run_upload(dataset_project, lead, "evil.tar.gz", _tar_with([link]))
    assert job.status == Job.Status.FAILED and "links are refused" in job.error
    assert_nothing_written(media_root, tmp_path / "link.jpg")


@pytest.mark.django_db
def test_a_compression_bomb_is_refused_before_unpacking(dataset_project, lead, tmp_path, media_root):
    data = _zip_with([("bomb.bin", b"\0" * (50 * 2**20))])  # 50 MB of zeros: about 1000:1
    assert len(data) * 100 < 50 * 2**20
    job = run_upload(dataset_project, lead, "bomb.zip", data)
    assert job.status == Job.Status.FAILED and "compression bomb" in job.error
    assert_nothing_written(media_root, tmp_path / "bomb.bin")


@pytest.mark.django_db
def test_an_archive_of_100000_entries_is_refused(dataset_project, lead, tmp_path, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(100_000):
            archive.writestr(f"f/{n}.jpg", b"")
    job = run_upload(dataset_project, lead, "many.zip", buffer.getvalue())
    assert job.status == Job.Status.FAILED and "more than 50000 entries" in job.error
    assert_nothing_written(media_root, tmp_path / "f")
