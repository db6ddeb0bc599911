from __future__ import annotations

import pytest

from tests.factories import PASSWORD

from .conftest import PHONE, assert_accessible, open_menu, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sro_signs_in_on_a_phone_and_sees_school_and_chain_of_command(personas, new_page):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="Login to Access Secure Information").is_visible()
    assert_accessible(page, context="login")
    sign_in(page, personas.sro.user.username, PASSWORD)
    page.wait_for_url("**/")
    posts = page.get_by_role("region", name="Your posts")
    assert "Roosevelt High School" in posts.inner_text()
    chain = page.get_by_role("region", name="Your chain of command").inner_text()
    assert personas.sergeant.full_name in chain
    assert personas.lieutenant.full_name in chain
    assert personas.commander.full_name in chain
    assert_accessible(page, context="home")
    screenshot(page, "foundation-sro-home-phone")

    open_menu(page)
    page.get_by_role("link", name="Schools", exact=True).click()
    page.get_by_role("link", name="Roosevelt High School").click()
    assert page.get_by_role("heading", name="Roosevelt High School").is_visible()
    assert "PSA" in page.inner_text("main")
    assert_accessible(page, context="school detail")
    screenshot(page, "foundation-school-phone")


def test_division_admin_assigns_an_sro_only_after_training(personas, new_page):
    from tests.factories import OfficerFactory, TrainingCourseFactory, UserFactory

    TrainingCourseFactory()
    recruit = OfficerFactory(user=UserFactory(username="recruit", first_name="Dana", last_name="Recruit"))
    page = new_page()
    sign_in(page, personas.admin.user.username, PASSWORD)
    page.wait_for_url("**/")
    open_menu(page)
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search by name, username or badge").fill("Recruit")
    page.wait_for_url("**q=Recruit*")  # htmx pushed the search into the URL
    assert page.get_by_role("link", name=personas.sro.full_name, exact=False).count() == 0
    page.get_by_role("link", name="Officer Dana Recruit").click()
    page.get_by_role("link", name="New assignment").click()

    page.get_by_label("Role").select_option("sro")
    page.locator("#id_district").wait_for(state="detached")  # htmx swapped in the school field alone
    assert page.locator("#id_area").count() == 0 and page.get_by_label("School").is_visible()
    assert_accessible(page, context="new assignment")
    page.get_by_label("School").select_option(label="Roosevelt High School")
    page.get_by_role("button", name="Assign").click()
    error = page.locator(".error").first
    assert "has no current School Safety Division training" in error.inner_text()
    screenshot(page, "foundation-assign-refused")
    assert not recruit.assignments.exists()

    page.get_by_role("link", name="← Officer Dana Recruit").click()
    page.get_by_role("link", name="Record training").click()
    page.get_by_label("Course").select_option(label="School Safety Division SRO training")
    page.get_by_label("Completed on").fill("2025-08-15")
    page.get_by_role("button", name="Record completion").click()
    assert "current until 08/15/2027" in page.inner_text("main")

    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Role").select_option("sro")
    page.locator("#id_district").wait_for(state="detached")
    page.get_by_label("School").select_option(label="Roosevelt High School")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/people/{recruit.pk}/")
    main = page.inner_text("main")
    assert "Roosevelt High School" in main and "detailed to PSA 404" in main
    assert_accessible(page, context="officer page")
    screenshot(page, "foundation-officer-page")


def test_school_filters_update_in_place_and_stay_in_the_url(personas, new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, personas.commander.user.username, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/schools/")
    page.get_by_label("District").select_option(label="6D (Sixth District)")  # Anacostia HS is in PSA 607
    page.wait_for_url("**district=*")
    page.get_by_label("Level").select_option("high")
    page.wait_for_url("**level=high*")
    page.get_by_role("link", name="Anacostia High School").wait_for()
    assert page.get_by_role("link", name="Roosevelt High School").count() == 0
    assert_accessible(page, context="school list filtered")
    screenshot(page, "foundation-school-list-filtered-phone")
    page.reload()  # the filters live in the URL
    assert page.get_by_label("Level").input_value() == "high"
    assert page.get_by_role("link", name="Anacostia High School").is_visible()
