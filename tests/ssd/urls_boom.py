"""The project's URLs plus a view that fails, to see the 500 page (tests/ssd/test_hardening.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from ssd.urls import handler400, handler403, handler404, handler500  # noqa: F401
from ssd.urls import urlpatterns as project_urlpatterns


@login_not_required
def boom(request):
    raise RuntimeError("secret-internal-detail in a traceback")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
