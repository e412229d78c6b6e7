"""The model zoo page under the Models page: lead only, starts evaluate jobs under one zoo id, shows one table."""

import re

import pytest
from django.test import Client

from annotator.models import Job
from mlbackend import tasks
from mlbackend.models import EvaluationReport
from tests.mlbackend.test_zoo import constant  # noqa: F401 (fixture)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_lead_starts_a_zoo_and_sees_one_sorted_table(lead, coded_project, constant):  # noqa: F811
    client = client_for(lead)
    models_page = client.get(f"/projects/{coded_project.pk}/ml/").content.decode()
    assert f"/projects/{coded_project.pk}/ml/zoo/" in models_page
    response = client.post(f"/projects/{coded_project.pk}/ml/zoo/start/",
                           {"plugins": ["constant_label", "dummy"], "protocol": "loso", "seed": "0"})
    assert response.status_code == 302
    jobs = list(Job.objects.filter(kind="evaluate").order_by("pk"))
    assert [job.params["plugin"] for job in jobs] == ["constant_label", "dummy"]
    zoo_id = jobs[0].params["zoo"]
    assert jobs[1].params["zoo"] == zoo_id and response["Location"].endswith(f"/ml/zoo/{zoo_id}/")
    for job in jobs:
        tasks.evaluate(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Protocol: leave-one-subject-out (loso)" in page
    table = page.split('id="zoo-table"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'<a href="/ml/reports/\d+/">(\w+)</a>', table)
    reports = EvaluationReport.objects.filter(job__params__zoo=zoo_id)
    expected = sorted(reports, key=lambda r: (-r.overall["uf1"], -r.overall["uar"], r.plugin))
    assert shown == [r.plugin for r in expected]
    for name in expected[0].per_dataset:
        assert f"<th>{name} UF1</th>" in table


@pytest.mark.django_db
def test_a_zoo_without_plugins_is_refused_with_a_message(lead, coded_project):
    response = client_for(lead).post(f"/projects/{coded_project.pk}/ml/zoo/start/", {"protocol": "loso"})
    assert response.status_code == 400 and "Choose at least one plugin" in response.content.decode()
    assert not Job.objects.filter(kind="evaluate").exists()


@pytest.mark.django_db
def test_a_coder_neither_sees_nor_starts_the_zoo(coder, coded_project):
    client = client_for(coder)
    assert client.get(f"/projects/{coded_project.pk}/ml/zoo/").status_code == 403
    response = client.post(f"/projects/{coded_project.pk}/ml/zoo/start/", {"plugins": ["dummy"]})
    assert response.status_code == 403
    assert not Job.objects.filter(kind="evaluate").exists()
