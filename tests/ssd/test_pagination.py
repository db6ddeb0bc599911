"""The shared pager (`_pagination.html`, `{% page_url %}`): a page link keeps every filter of the
list it pages (the kind, the search, the tab), not only `q`."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_page_links_keep_every_filter_and_replace_the_page():
    request = RequestFactory().get("/programs/", {"kind": "mentoring", "q": "a&b", "page": "2"})
    page = Paginator(list(range(30)), 10).get_page(2)
    html = render_to_string("_pagination.html", {"page": page, "count_label": "programs"}, request=request)
    assert 'href="?kind=mentoring&amp;q=a%26b&amp;page=1"' in html
    assert 'href="?kind=mentoring&amp;q=a%26b&amp;page=3"' in html
    assert "Page 2 of 3 (30 programs)" in html


def test_one_page_shows_no_pager():
    request = RequestFactory().get("/programs/")
    page = Paginator([1], 10).get_page(1)
    assert render_to_string("_pagination.html", {"page": page}, request=request).strip() == ""
