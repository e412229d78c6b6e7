import pytest

from annotator.models import Project


@pytest.fixture
def dataset_project(project) -> Project:
    """The lab project, with the MEGC classes besides the default emotions (SMIC labels by class)."""
    project.emotion_labels = [*project.emotion_labels, "positive", "negative"]
    project.save(update_fields=["emotion_labels"])
    return project
