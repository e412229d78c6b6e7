"""The ML pages (models, reports, comparison) send the Content-Security-Policy and hold no inline code."""

import pytest
from django.test import Client

from mlbackend import tasks
from mlbackend.models import EvaluationReport
from tests.annotator.views.csp import assert_page_obeys_csp
from tests.mlbackend.test_ml_api import start


@pytest.mark.django_db
def test_every_ml_page_obeys_the_policy(lead, lead_api, coded_project):
    for seed in (0, 1):
        tasks.evaluate(start(lead_api, coded_project, kind="evaluate", plugin="dummy", seed=seed).pk)
    tasks.train(start(lead_api, coded_project, kind="train", plugin="dummy", evaluate=False).pk)
    first, second = EvaluationReport.objects.order_by("id")
    client = Client()
    client.force_login(lead)
    for url in (f"/projects/{coded_project.pk}/ml/", f"/ml/reports/{first.pk}/",
                f"/ml/reports/compare/?a={first.pk}&b={second.pk}"):
        assert_page_obeys_csp(client.get(url))
