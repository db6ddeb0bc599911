"""A button pressed while the page's autosave is on its way back (found by a journey on a slow
machine). The autosave's save is committed and its answer, which carries the draft's new version,
is late: the press must not post the old version and meet "Someone else changed this incident"
made by the page itself, nor land the officer on a draft (`static/js/incident-form.js` waits for
the answer; `incidents.services.incident_save` takes a page's first unanswered autosave as its own)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident, Status
from tests.factories import PASSWORD
from tests.incidents.factories import ensure_taxonomy, make_incident

from .conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LATE_S = 1.5


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    ensure_taxonomy()


@pytest.fixture
def late_autosave_answers(monkeypatch):
    """Every save that is not a submission answers LATE_S after it is committed."""
    real = services.incident_save

    def save(**kwargs):
        saved = real(**kwargs)
        if not kwargs.get("submit"):
            time.sleep(LATE_S)
        return saved

    monkeypatch.setattr(services, "incident_save", save)


def _sro_page(new_page, personas, path: str):
    page = new_page(viewport=PHONE)
    sign_in(page, personas.sro.user.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto(path)
    return page


def _submit_during_autosave(page, *, narrative: str, lands_on: str) -> None:
    """Type the narrative, press Submit once the autosave it starts is on its way (it leaves 2 s
    after the last keystroke; htmx marks it meanwhile), and land on the submitted record."""
    page.get_by_label("Narrative").fill(narrative)
    expect(page.locator("#autosave.htmx-request")).to_have_count(1, timeout=6_000)
    page.get_by_role("button", name="Submit incident").click()
    page.wait_for_url(re.compile(lands_on))
    expect(page.locator("main")).to_contain_text("submitted for review")


def test_submit_on_the_edit_page_waits_for_the_autosave_on_its_way_back(personas, new_page, late_autosave_answers):
    draft = make_incident(by=personas.sro.user, school=personas.school, submit=False)
    page = _sro_page(new_page, personas, f"/incidents/{draft.pk}/edit/")
    text = "Two students argued loudly in the hallway; separated by the SRO. Both sent to the office."
    _submit_during_autosave(page, narrative=text, lands_on=rf".*/incidents/{draft.pk}/$")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.narrative == text


def test_submit_on_a_new_page_during_its_first_autosave(personas, new_page, late_autosave_answers):
    page = _sro_page(new_page, personas, "/incidents/new/")
    page.get_by_label("Now", exact=True).check()
    page.get_by_label("Location", exact=True).select_option(label="Cafeteria")
    page.get_by_label("What happened", exact=True).select_option(label="Fight")
    expect(page.locator("#category-block")).to_contain_text("Simple Assault (13B)")
    text = "Two students fought at lunch in the cafeteria. Separated by the SRO; no injuries."
    _submit_during_autosave(page, narrative=text, lands_on=r".*/incidents/\d+/$")
    incident = Incident.objects.get()
    assert incident.status == Status.SUBMITTED and incident.narrative == text
