"""A clip imported from a dataset: the viewer shows the dataset's own frame number beside the frame id."""

import pytest
from playwright.sync_api import expect

from annotator.models import Clip
from annotator.services.datasets import dataset_import
from tests.annotator.datasets import fixtures

pytestmark = pytest.mark.browser


def test_readout_shows_the_dataset_frame_number(transactional_db, page, login, project, tmp_path):
    dataset_import(project=project, format="casme2", root=fixtures.casme2(tmp_path / "casme2"), align=False)
    clip = Clip.objects.get(name="EP02_01f")
    login(page, "lead")
    page.goto(f"/clips/{clip.pk}/")
    expect(page.locator("#readout")).to_have_text("frame 0 (CASME II #46) / 7 · 0.000 s")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#readout")).to_have_text("frame 1 (CASME II #47) / 7 · 0.005 s")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "1")
