"""The URL walker: every URL pattern of the project, GET by every demo role, against the role
matrix in tests/url_matrix.py. A URL without an entry fails here, so no page ships without a
decision about who may see it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.url_matrix import LOGIN, MATRIX, OBJECTS, REDIRECT, ROLES

ADMIN_NAMESPACE = "admin"


def iter_patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """(full name, route, pattern) for every URL pattern, included ones too, recursively."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace])) or None
            yield from iter_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), p


def _is_admin_site(name: str | None, route: str) -> bool:
    # The admin site's own patterns (its final catch-all one has no name).
    return (name or "").startswith(ADMIN_NAMESPACE + ":") or (name is None and route.startswith("admin/"))


def project_urls() -> dict[str, str]:
    """Non-admin URL names -> route."""
    return {name: route for name, route, _ in iter_patterns() if not _is_admin_site(name, route)}


def test_every_url_pattern_has_a_name():
    unnamed = [route for name, route, _ in iter_patterns() if name is None and not _is_admin_site(name, route)]
    assert not unnamed, f"URL patterns without a name (name them, then add them to tests/url_matrix.py): {unnamed}"


def test_every_url_has_an_entry_in_the_matrix():
    missing = sorted(set(project_urls()) - set(MATRIX) - {None})
    assert not missing, (
        "These URLs have no entry in tests/url_matrix.py. Add one per URL name (see the comment at the "
        "top of that file) saying which roles may GET it: "
        + ", ".join(f"{name} (/{project_urls()[name]})" for name in missing)
    )


def test_the_matrix_has_no_stale_entries():
    stale = sorted(set(MATRIX) - set(project_urls()))
    assert not stale, f"tests/url_matrix.py has entries for URLs that no longer exist; remove them: {stale}"


def test_matrix_kwargs_cover_every_path_converter():
    routes = project_urls()
    problems = []
    for name, entry in MATRIX.items():
        if name not in routes:
            continue
        needed = set(re.findall(r"<(?:\w+:)?(\w+)>", routes[name]))
        if needed != set(entry.kwargs):
            problems.append(f"{name}: route needs {sorted(needed)}, entry gives {sorted(entry.kwargs)}")
        for value in entry.kwargs.values():
            if isinstance(value, str) and not value.isdigit() and value not in OBJECTS:
                problems.append(f"{name}: no object maker {value!r} in url_matrix.OBJECTS")
    assert not problems, "; ".join(problems)


def _client_for(personas, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(personas, role).user)
    return client


def _outcome_ok(response, expected) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith(
            (reverse("login"), reverse("admin:login"))
        )
    if expected == REDIRECT:
        return response.status_code == 302
    return response.status_code == expected


def _describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} -> {response['Location']}"
    return str(response.status_code)


def _matrix_mismatches(client, personas, role: str) -> list[str]:
    routes = project_urls()
    wrong = []
    for name, entry in sorted(MATRIX.items()):
        if name not in routes:
            continue  # reported by test_the_matrix_has_no_stale_entries
        kwargs = {
            key: OBJECTS[value](personas) if isinstance(value, str) and value in OBJECTS else value
            for key, value in entry.kwargs.items()
        }
        path = reverse(name, kwargs=kwargs)
        response = client.get(path)
        expected = entry.expect[role]
        if not _outcome_ok(response, expected):
            wrong.append(f"{name} {path}: expected {expected}, got {_describe(response)}")
    return wrong


# --- The admin site, as one family -------------------------------------------------------------------


def admin_paths() -> list[str]:
    """Every admin page that needs no object id: index, each app, each model's list and add form."""
    from django.contrib import admin

    paths = [reverse("admin:index"), reverse("admin:password_change"), reverse("admin:jsi18n")]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        paths.append(reverse("admin:app_list", kwargs={"app_label": app_label}))
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        paths.append(reverse("admin:{}_{}_add".format(*info)))
    return paths


def _admin_mismatches(client, personas, role: str) -> list[str]:
    is_staff = role != "anonymous" and _is_staff(getattr(personas, role))
    wrong = []
    for path in admin_paths():
        response = client.get(path)
        # Staff see what their model permissions allow: a page, or a 403 (404 for an app they hold
        # no permission in); never an error. Everyone else is sent to sign in.
        ok = response.status_code in (200, 403, 404) if is_staff else _outcome_ok(response, LOGIN)
        if not ok:
            wrong.append(f"{path} (admin site, staff={is_staff}): got {_describe(response)}")
    if is_staff and client.get(reverse("admin:index")).status_code != 200:
        wrong.append("admin:index: staff should see it")
    return wrong


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_matrix_says(personas, role):
    """Every project URL as the matrix says; the admin site (walked as one family) for staff only."""
    client = _client_for(personas, role)
    wrong = _matrix_mismatches(client, personas, role) + _admin_mismatches(client, personas, role)
    assert not wrong, f"{role}:\n  " + "\n  ".join(wrong)


def _is_staff(officer) -> bool:
    officer.user.refresh_from_db(fields=["is_staff"])  # set by the assignment service, after the fixture
    return officer.user.is_staff


def test_only_the_division_admin_persona_is_staff(personas):
    staff = [role for role in ROLES if role != "anonymous" and _is_staff(getattr(personas, role))]
    assert staff == ["admin"]
