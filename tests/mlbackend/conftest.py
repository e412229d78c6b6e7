import numpy as np
import pytest

from annotator.models import CodingEvent
from annotator.services.events import event_create
from annotator.services.projects import subject_create
from tests.conftest import ingest_now

EMOTIONS = ("happiness", "happiness", "disgust", "surprise")


def write_frames(folder, count: int = 12, seed: int = 0):
    import cv2

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(24, 24, 3), dtype=np.uint8)
    for index in range(count):
        cv2.imwrite(str(folder / f"img{index}.png"), np.roll(base, index, axis=1))
    return folder


@pytest.fixture
def coded_project(project, lead, tmp_path):
    """Four subjects, four tiny clips each, one submitted code per clip."""
    from annotator.services.clips import clip_import_path

    for s in range(4):
        subject = subject_create(project=project, code=f"P{s + 1:02d}")
        for c, emotion in enumerate(EMOTIONS):
            folder = write_frames(tmp_path / f"s{s}c{c}", seed=s * 10 + c)
            clip = clip_import_path(project=project, subject=subject, path=folder, created_by=lead, align=False, fps=200)
            ingest_now(clip)
            event_create(clip=clip, coder=lead, onset=2, apex=5, offset=9, emotion=emotion,
                         status=CodingEvent.Status.SUBMITTED)
    return project
