from __future__ import annotations

import pytest

from tests.factories import PASSWORD

from .conftest import PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sro_signs_in_on_a_phone_and_sees_school_and_chain_of_command(personas, new_page):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert page.get_by_role("heading", name="Login to Access Secure Information").is_visible()
    assert_accessible(page, context="login")
    sign_in(page, "sro", PASSWORD)
    page.wait_for_url("**/")
    posts = page.get_by_role("region", name="Your posts")
    assert "Roosevelt High School" in posts.inner_text()
    chain = page.get_by_role("region", name="Your chain of command").inner_text()
    assert personas.sergeant.full_name in chain
    assert personas.lieutenant.full_name in chain
    assert personas.commander.full_name in chain
    assert_accessible(page, context="home")
    screenshot(page, "foundation-sro-home-phone")

    page.get_by_role("link", name="Schools", exact=True).click()
    page.get_by_role("link", name="Roosevelt High School").click()
    assert page.get_by_role("heading", name="Roosevelt High School").is_visible()
    assert "PSA" in page.inner_text("main")
    assert_accessible(page, context="school detail")
    screenshot(page, "foundation-school-phone")
