"""The bench-only query headers (`SSD_BENCH_QUERY_HEADER=1`): what bench/load.py and a probe of a slow
request read from outside the server."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import RequestFactory

from ssd.middleware import QueryCountMiddleware

pytestmark = pytest.mark.django_db


def test_headers_count_time_and_name_the_slowest_query():
    def view(request):
        User = get_user_model()
        User.objects.count()
        list(User.objects.filter(username="nobody"))
        return HttpResponse("ok")

    response = QueryCountMiddleware(view)(RequestFactory().get("/"))
    assert response["X-SSD-Queries"] == "2"
    assert float(response["X-SSD-DB-ms"]) >= 0
    slowest = re.fullmatch(r"(\d+\.\d) ms (SELECT .*)", response["X-SSD-Slowest"])
    assert slowest and len(slowest[2]) <= 60 and "\n" not in slowest[2]
    assert float(slowest[1]) <= float(response["X-SSD-DB-ms"])


def test_headers_on_a_page_without_queries():
    response = QueryCountMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert response["X-SSD-Queries"] == "0"
    assert response["X-SSD-Slowest"] == "0.0 ms"
