"""Map samples in the browser: the project page's thumbnails load, and a sample opens as frame 0."""

import pytest
from playwright.sync_api import expect

from annotator.models import Clip
from annotator.services.map_import import map_import
from tests.annotator.datasets import map_fixtures

pytestmark = pytest.mark.browser


def test_thumbnails_load_and_a_sample_opens_as_its_one_frame(transactional_db, page, login, project, tmp_path):
    images, labels, rows = map_fixtures.map_set(tmp_path)
    map_import(project=project, root=images, labels=labels)
    clip = Clip.objects.get(subject__code="smic-s02", name="s02_ne_02")
    login(page, "coder")
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("#map-samples details")).to_have_count(3)
    page.locator('details[data-dataset="smic"] summary').click()
    thumb = page.locator(f'li[data-clip="{clip.pk}"] img')
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 28", arg=thumb.element_handle())
    thumb.click()
    expect(page).to_have_url(f"/clips/{clip.pk}/")
    expect(page.locator("#readout")).to_contain_text("frame 0")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
