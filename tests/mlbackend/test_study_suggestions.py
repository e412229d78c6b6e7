"""Blind double coding in the ML routes: suggestions made from the other coder's timing stay hidden until both
submitted; pre-annotation with the active model feeds the coders' queue (ClipUncertainty)."""

import pytest

from annotator.models import Assignment, ClipUncertainty, CodingEvent
from annotator.services.assignments import assignment_create
from mlbackend import tasks
from mlbackend.contract import EMOTION
from mlbackend.models import ModelVersion, Prediction
from plugins.dummy import DummyPlugin
from tests.mlbackend.test_ml_api import start


@pytest.fixture
def recogniser():
    from mlbackend.registry import register, unregister

    class Recogniser(DummyPlugin):
        name = "dummy_study_recogniser"
        capabilities = frozenset({EMOTION})

    register(Recogniser)
    yield Recogniser.name
    unregister(Recogniser.name)


def timings(client, clip) -> set[tuple]:
    response = client.get(f"/api/clips/{clip.pk}/predictions/")
    assert response.status_code == 200
    return {(p["onset"], p["apex"], p["offset"]) for p in response.json()}


@pytest.mark.django_db
def test_suggestions_from_the_other_blind_coder_wait_for_both_submissions(
        recogniser, lead, lead_api, coder, coder_api, other_coder, api_for, coded_project):
    clip = coded_project.clips.order_by("id").first()
    assignment_create(project=coded_project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    CodingEvent.objects.create(clip=clip, coder=coder, onset=1, apex=2, offset=3, status="submitted")
    CodingEvent.objects.create(clip=clip, coder=other_coder, onset=4, apex=6, offset=8, status="submitted")
    tasks.train(start(lead_api, coded_project, kind="train", plugin=recogniser, evaluate=False).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin=recogniser).pk)

    assert (4, 6, 8) in timings(lead_api, clip)
    assert timings(coder_api, clip) == {(1, 2, 3)}
    assert coder_api.post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    assert timings(coder_api, clip) == {(1, 2, 3)}, "the other coder has not submitted yet"
    assert api_for(other_coder).post(f"/api/clips/{clip.pk}/submit/").status_code == 200
    assert {(1, 2, 3), (4, 6, 8)} <= timings(coder_api, clip)
    assert set(Assignment.objects.filter(clip=clip).values_list("status", flat=True)) == {"submitted"}


@pytest.mark.django_db
def test_preannotation_with_the_active_model_orders_the_queue_and_a_new_model_clears_it(
        recogniser, lead, lead_api, coded_project):
    tasks.train(start(lead_api, coded_project, kind="train", plugin=recogniser, evaluate=False).pk)
    tasks.preannotate(start(lead_api, coded_project, kind="preannotate", plugin=recogniser).pk)
    version = ModelVersion.objects.get(project=coded_project, plugin=recogniser, active=True)
    rows = ClipUncertainty.objects.filter(clip__project=coded_project, source=recogniser)
    assert rows.count() == coded_project.clips.count()
    for row in rows:
        predictions = Prediction.objects.filter(clip=row.clip, model_version=version)
        assert row.top_probability == pytest.approx(min(max(p.emotion_probs.values()) for p in predictions))
        assert row.top_label in version.labels

    clip = coded_project.clips.order_by("id").first()
    CodingEvent.objects.create(clip=clip, coder=lead, onset=12, apex=13, offset=14, emotion=version.labels[0],
                               status="submitted")  # new training data: a new version
    tasks.train(start(lead_api, coded_project, kind="train", plugin=recogniser, evaluate=False).pk)
    newer = ModelVersion.objects.filter(project=coded_project, plugin=recogniser).exclude(pk=version.pk).get()
    assert rows.all().exists(), "training alone changes nothing"
    assert lead_api.post(f"/api/ml/versions/{newer.pk}/activate/").status_code == 200
    assert not rows.all().exists(), "the judgements of the model that was active are gone"
