import io

import pytest
from django.core.management import CommandError, call_command

from annotator.facs import MEGC_EMOTIONS
from annotator.models import Clip, CodingEvent
from annotator.services.projects import project_create


@pytest.mark.django_db
def test_synthetic_subset_is_imported_with_ground_truth_codes_once(lead, sample_dir):
    project = project_create(name="Demo", created_by=lead, emotion_labels=list(MEGC_EMOTIONS))
    args = [str(sample_dir), "--project", "Demo", "--subjects", "2", "--clips-per-subject", "3"]

    call_command("make_synthetic", *args, stdout=io.StringIO())
    call_command("make_synthetic", *args, stdout=io.StringIO())

    clips = Clip.objects.filter(project=project)
    assert clips.count() == 6
    assert {c.status for c in clips} == {Clip.Status.READY} and {c.dataset for c in clips} == {"synthetic"}
    assert {c.fps for c in clips} == {200.0} and all(30 <= c.frame_count <= 120 for c in clips)
    events = CodingEvent.objects.filter(clip__project=project)
    assert events.count() == 6
    assert {e.coder.username for e in events} == {"synthetic-truth"}
    assert {e.status for e in events} == {CodingEvent.Status.SUBMITTED}
    assert {e.emotion for e in events} == {"positive", "negative", "surprise"}
    assert all(0 < e.onset <= e.apex <= e.offset < e.clip.frame_count and e.aus for e in events)


@pytest.mark.django_db
def test_a_project_without_the_synthetic_labels_is_refused(project, sample_dir):
    with pytest.raises(CommandError, match="lacks the emotion labels"):
        call_command("make_synthetic", str(sample_dir), "--project", project.name, "--subjects", "1",
                     "--clips-per-subject", "1", stdout=io.StringIO())
