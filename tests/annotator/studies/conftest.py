import pytest

from annotator.models import Clip
from annotator.services.projects import subject_create


@pytest.fixture
def make_clip(project):
    """A ready clip row (no frames on disk: coding, queues and agreement need none)."""
    subjects = {}

    def _make(name: str, subject: str = "S01", dataset: str = "", frames: int = 100) -> Clip:
        if subject not in subjects:
            subjects[subject] = project.subjects.filter(code=subject).first() or subject_create(
                project=project, code=subject)
        return Clip.objects.create(project=project, subject=subjects[subject], name=name, source=name,
                                   dataset=dataset, status=Clip.Status.READY, frame_count=frames, fps=200)

    return _make


def add(client, clip, onset, apex, offset, emotion="", aus=()):
    response = client.post(f"/api/clips/{clip.pk}/events/", {
        "onset": onset, "apex": apex, "offset": offset, "emotion": emotion,
        "aus": [{"number": au} for au in aus]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()
