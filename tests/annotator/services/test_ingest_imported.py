"""Faces for a clip imported from a dataset: computed from the stored frames, which stay byte for byte."""

import cv2
import pytest
from django.conf import settings

from annotator.jobkinds import INGEST
from annotator.media.framestore import FrameStore
from annotator.media.sources import open_video_container
from annotator.models import Clip, Job
from annotator.services.datasets import dataset_import
from annotator.services.ingest import clip_ingest_job
from tests.annotator.datasets import fixtures


@pytest.mark.django_db
def test_alignment_of_an_imported_clip_never_rewrites_its_frames(project, tmp_path, sample_dir):
    root = fixtures.casme2(tmp_path / "casme2")
    folder = root / "CASME2_RAW_selected" / "sub01" / "EP02_01f"
    with open_video_container(sample_dir / "single_face.mp4") as container:
        frames = container.decode(container.streams.video[0])
        for number in range(46, 54):  # real face frames in place of the tiny ones
            image = next(frames).to_ndarray(format="bgr24")
            (folder / f"img{number}.jpg").write_bytes(cv2.imencode(".jpg", image)[1].tobytes())
    dataset_import(project=project, format="casme2", root=root, align=True)
    clip = Clip.objects.get(name="EP02_01f")
    job = Job.objects.get(clip=clip, kind=INGEST)
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    before = {path.name: path.read_bytes() for path in store.frames_dir.iterdir()}

    clip_ingest_job(job_id=job.pk)

    job.refresh_from_db()
    clip.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert {path.name: path.read_bytes() for path in store.frames_dir.iterdir()} == before
    assert before["000000.jpg"] == (folder / "img46.jpg").read_bytes()
    assert clip.status == Clip.Status.READY and clip.face_status == Clip.FaceStatus.READY
    assert len(list(store.faces_dir.iterdir())) == clip.frame_count
