"""Issue 10's targets, measured at 390x844 in Chromium: every tap (click, check, select, file pick)
and every typed field is counted through `Counter`, from the signed-in home page to the submitted
record. A cafeteria fight with two students: <= 12 taps and <= 5 typed fields; a weapon found with
a photo: <= 8 taps. The figures are printed (pytest -s) and written to test-artifacts/taps.txt.
Every incident page is also checked for width (nothing wider than the phone) and with axe-core."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest
from PIL import Image

from incidents.models import Incident, Status
from tests.factories import PASSWORD
from tests.incidents.factories import ensure_taxonomy

from .conftest import ARTIFACTS, PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    ensure_taxonomy()


@dataclass
class Counter:
    page: object
    taps: int = 0
    typed: set = field(default_factory=set)
    log: list = field(default_factory=list)

    def tap(self, locator, what: str) -> None:
        locator.click()
        self._count(what)

    def check(self, locator, what: str) -> None:
        locator.check()
        self._count(what)

    def select(self, locator, what: str, **option) -> None:
        locator.select_option(**option)
        self._count(what)

    def pick_files(self, locator, what: str, files) -> None:
        locator.set_input_files(files=files)
        self._count(what)

    def type(self, locator, what: str, text: str) -> None:
        locator.fill(text)
        self.typed.add(what)
        self.log.append(f"type {what}")

    def _count(self, what: str) -> None:
        self.taps += 1
        self.log.append(f"tap {self.taps}: {what}")


def photo_jpeg() -> bytes:
    image = Image.new("RGB", (640, 480), (150, 150, 140))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=85, exif=exif)
    return buf.getvalue()


def assert_fits_phone(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: {width}px wide on a {PHONE['width']}px phone"


def record(name: str, counter: Counter) -> None:
    line = f"{name}: {counter.taps} taps, {len(counter.typed)} typed fields ({'; '.join(counter.log)})"
    print(line)
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "taps.txt").open("a") as out:
        out.write(line + "\n")


def open_new_incident(sro, c: Counter) -> None:
    c.tap(sro.get_by_text("Menu", exact=True), "menu")
    c.tap(sro.get_by_role("link", name="New incident").first, "New incident")
    sro.wait_for_url("**/incidents/new/")


def test_cafeteria_fight_two_students(personas, new_page):
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    assert_fits_phone(sro, "home")
    header = sro.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= 60, f"header {header}"
    screenshot(sro, "phone-home-header")

    c = Counter(sro)
    open_new_incident(sro, c)
    assert_fits_phone(sro, "new incident")
    c.check(sro.get_by_label("Now", exact=True), "occurred: now")
    c.select(sro.get_by_label("Location", exact=True), "location", label="Cafeteria")
    c.select(sro.get_by_label("What happened", exact=True), "category", label="Fight")
    expect_text(sro, "#category-block", "Simple Assault (13B)")
    c.select(sro.locator("#id_people-0-role"), "person 1 role", label="Participant in a mutual fight")
    c.type(sro.locator("#id_people-0-name"), "person 1 name", "Jordan Miles")
    c.tap(sro.get_by_role("button", name="Add another person"), "add another person")
    sro.locator("#id_people-1-role").wait_for()
    assert sro.locator("#id_people-0-name").input_value() == "Jordan Miles"  # kept across the swap
    c.select(sro.locator("#id_people-1-role"), "person 2 role", label="Participant in a mutual fight")
    c.type(sro.locator("#id_people-1-name"), "person 2 name", "Riley Park")
    c.type(
        sro.get_by_label("Narrative"),
        "narrative",
        "Two students fought at lunch in the cafeteria. Separated by the SRO; no injuries.",
    )
    assert_accessible(sro, context="one-page incident form, filled (phone)")
    assert_fits_phone(sro, "new incident, filled")
    screenshot(sro, "incident-page-fight-phone")
    c.tap(sro.get_by_role("button", name="Submit incident"), "submit")
    sro.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    record("cafeteria fight, two students", c)

    incident = Incident.objects.get()
    assert incident.status == Status.SUBMITTED and incident.category.code == "13B"
    assert sorted(incident.people.values_list("name", flat=True)) == ["Jordan Miles", "Riley Park"]
    assert c.taps <= 12 and len(c.typed) <= 5, c.log

    # Every incident page fits the phone.
    for path in (
        f"/incidents/{incident.pk}/",
        f"/incidents/{incident.pk}/print/",
        "/incidents/",
        "/incidents/follow-ups/",
    ):
        sro.goto(path)
        assert_fits_phone(sro, path)
    screenshot(sro, "incident-list-phone")


def test_weapon_found_with_a_photo(personas, new_page):
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.wait_for_url("**/")
    c = Counter(sro)
    open_new_incident(sro, c)
    c.check(sro.get_by_label("Now", exact=True), "occurred: now")
    c.select(sro.get_by_label("Location", exact=True), "location", label="Hallway")
    c.select(sro.get_by_label("What happened", exact=True), "category", label="Weapon found")
    expect_text(sro, "#category-block", "Photograph the weapon where it was found")
    assert "Significant" in sro.inner_text("#category-block")
    c.pick_files(
        sro.get_by_label("Photos"),
        "photo",
        [{"name": "IMG_3001.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}],
    )
    c.type(sro.get_by_label("Narrative"), "narrative", "Folding knife found under a locker in the B hallway.")
    c.tap(sro.get_by_role("button", name="Submit incident"), "submit")
    sro.wait_for_url(re.compile(r".*/incidents/\d+/$"))
    record("weapon found with a photo", c)
    incident = Incident.objects.get()
    assert incident.status == Status.SUBMITTED and incident.significant
    assert incident.attachments.count() == 1
    thumb = sro.get_by_role("img", name="Photo: IMG_3001.jpg")
    thumb.wait_for()
    # Loaded and decoded, not just in the page (a broken image never gets a width: this times out).
    sro.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(), timeout=10_000)
    assert_fits_phone(sro, "weapon record")
    assert_accessible(sro, context="incident record with a thumbnail (phone)")
    screenshot(sro, "incident-weapon-record-phone")
    assert c.taps <= 8, c.log


def test_draft_autosaves_and_a_stale_tab_gets_a_conflict(personas, new_page):
    sro = new_page(viewport=PHONE)
    sign_in(sro, personas.sro.user.username, PASSWORD)
    sro.goto("/incidents/new/")
    sro.get_by_label("Earlier today", exact=True).check()
    sro.get_by_label("Time today").fill("00:01")
    sro.get_by_label("Location", exact=True).select_option(label="Gym")
    sro.get_by_label("What happened", exact=True).select_option(label="Theft")
    sro.get_by_label("Narrative").fill("A phone taken from the gym bleachers.")
    sro.locator("#autosave").get_by_text("Draft saved").wait_for(timeout=15000)
    incident = Incident.objects.get()
    assert incident.status == Status.DRAFT and incident.narrative.startswith("A phone taken")
    # A second tab on the same draft saves first; this tab's next autosave is refused, not merged.
    other = new_page(viewport=PHONE)
    sign_in(other, personas.sro.user.username, PASSWORD)
    other.goto(f"/incidents/{incident.pk}/edit/")
    other.get_by_label("Where exactly").fill("Bleachers, north side")
    other.get_by_role("button", name="Save draft").click()
    other.wait_for_url(f"**/incidents/{incident.pk}/")
    sro.get_by_label("Narrative").fill("A phone taken from the gym bleachers, seen by a coach.")
    sro.locator("#autosave").get_by_text("Someone else changed this incident").wait_for(timeout=15000)
    incident.refresh_from_db()
    assert incident.location_detail == "Bleachers, north side" and "coach" not in incident.narrative
    screenshot(sro, "incident-autosave-conflict-phone")


def expect_text(page, selector: str, text: str) -> None:
    page.locator(selector).get_by_text(text, exact=False).first.wait_for(timeout=10000)
