"""The Models page offers nothing bound to fail: Start is disabled with the reason, per choice."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_start_is_disabled_with_the_reason(transactional_db, page, login, project, lead):
    login(page, "lead")
    page.goto(f"/projects/{project.pk}/ml/")
    start, reason = page.locator("#ml-start-button"), page.locator("#ml-start-reason")
    expect(start).to_be_disabled()
    expect(reason).to_contain_text("No reviewed codes yet: a reviewer makes gold codes")  # opens on gold codes
    page.locator("#ml-start select[name=label_source]").select_option("submitted")
    expect(reason).to_contain_text("No submitted or reviewed codes yet")
    expect(start).to_be_disabled()
    page.locator("#ml-start select[name=kind]").select_option("preannotate")
    expect(reason).to_contain_text("model in this project: train one first")
    expect(start).to_be_disabled()
