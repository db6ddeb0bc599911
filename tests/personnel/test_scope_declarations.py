"""Each app declares its school codenames and role grants; personnel.scope collects them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from personnel import scope
from personnel.models import Role

ROOT = Path(__file__).resolve().parents[2]

# The table personnel/scope.py held before the apps declared their own (ROLE_SCHOOL_PERMS): the
# grants must not change for any role.
_FULL = {"view_school", "view_school_incidents", "view_school_students"}
BEFORE = {
    Role.SRO: _FULL | {"report_school_incidents"},
    Role.SERGEANT: _FULL | {"review_school_incidents"},
    Role.LIEUTENANT: _FULL,
    Role.SROC: _FULL,
    Role.COMMANDER: _FULL,
    Role.DIVISION_ADMIN: _FULL,
    Role.DISTRICT_COMMANDER: {"view_school", "view_school_significant"},
    Role.WATCH_COMMANDER: {"view_school", "view_school_significant"},
    Role.COTR: {"view_school", "monitor_school_contract"},
    Role.COMPLIANCE_MONITOR: {"view_school", "monitor_school_contract"},
    Role.CONTRACT_MONITORING: {"view_school", "monitor_school_contract"},
}
ADMIN_BEFORE = {
    "personnel.officer": ("view", "change"),
    "personnel.trainingcourse": ("view", "add", "change"),
    "personnel.assignment": ("view",),
    "personnel.trainingcompletion": ("view",),
    "schools.school": ("view", "change"),
    "schools.psa": ("view",),
    "schools.policedistrict": ("view",),
    "schools.area": ("view",),
    "notifications.route": ("view", "add", "change", "delete"),
    "notifications.notification": ("view",),
    "incidents.incidentcategory": ("view", "add", "change"),
    "incidents.checklisttemplate": ("view", "add", "change", "delete"),
    "incidents.checklistitem": ("view", "add", "change", "delete"),
}


def test_grants_are_unchanged_for_every_role():
    """The refactor changed no role's grants of the codenames that existed before it; apps added
    since declare codenames of their own (checked by their own tests)."""
    assert set(BEFORE) == set(Role.values)
    # The guard-contract issue gave the SRO, sergeant and lieutenant `monitor_school_contract` at
    # their schools on purpose; every other grant of the codenames that existed before is unchanged.
    before_codenames = set().union(*BEFORE.values()) - {"monitor_school_contract"}
    table = scope.role_school_perms_table()
    assert {role: set(table.get(role, ())) & before_codenames for role in BEFORE} == {
        role: perms - {"monitor_school_contract"} for role, perms in BEFORE.items()
    }
    for role in (Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING):
        assert "monitor_school_contract" in table[role]


def test_the_division_admins_model_permissions_are_unchanged():
    now = {k: set(v) for k, v in scope.division_admin_perms().items()}
    assert {k: now.get(k) for k in ADMIN_BEFORE} == {k: set(v) for k, v in ADMIN_BEFORE.items()}


def test_each_codename_is_declared_by_the_app_that_checks_it():
    assert scope.school_perm_owner("view_school_incidents") == "incidents"
    assert scope.school_perm_owner("monitor_school_contract") == "contracts"
    assert scope.school_perm_owner("view_school") is None  # Django's own, granted by personnel


def test_every_school_codename_in_use_is_declared():
    """Any `*_school_*` codename a module or template names must be declared by some app (or be
    Django's default view/change/add/delete_school)."""
    used: set[str] = set()
    pattern = re.compile(r"\b((?:view|report|review|monitor|inspect|manage|edit|log)_school_[a-z_]+)\b")
    for folder in (
        "ssd", "schools", "personnel", "notifications", "incidents", "contracts", "advisories", "crime", "visits",
        "safetyplans", "dashboard", "templates",
    ):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no codenames at all"
    assert used <= set(scope.declared_school_perms())


@pytest.mark.django_db
def test_every_declared_codename_has_its_permission_row():
    rows = set(
        Permission.objects.filter(content_type__app_label="schools", content_type__model="school").values_list(
            "codename", flat=True
        )
    )
    assert set(scope.declared_school_perms()) <= rows


def test_declarations_are_checked(monkeypatch):
    monkeypatch.setattr(scope, "_SCHOOL_PERMS", dict(scope._SCHOOL_PERMS))
    monkeypatch.setattr(scope, "_SCHOOL_GRANTS", dict(scope._SCHOOL_GRANTS))
    with pytest.raises(ValueError, match="declared by 'incidents' and 'visits'"):
        scope.register_school_perms(app="visits", perms={"view_school_incidents": "x"}, grants={})
    with pytest.raises(ValueError, match="unknown role"):
        scope.register_school_perms(app="visits", perms={"view_school_visits": "x"}, grants={"janitor": set()})
    with pytest.raises(ValueError, match="undeclared"):
        scope.register_school_perms(app="visits", perms={}, grants={Role.SRO: {"view_school_visits"}})


@pytest.mark.django_db
def test_a_new_apps_grant_reaches_the_guardian_rows(monkeypatch, personas):
    """A codename declared after migrate (a new app): the sync creates its row and grants it."""
    from guardian.shortcuts import get_objects_for_user

    monkeypatch.setattr(scope, "_SCHOOL_PERMS", dict(scope._SCHOOL_PERMS))
    monkeypatch.setattr(scope, "_SCHOOL_GRANTS", dict(scope._SCHOOL_GRANTS))
    scope.register_school_perms(
        app="visits",
        perms={"log_school_visits": "Can log site visits at the school"},
        grants={Role.SRO: {"log_school_visits"}},
    )
    scope.scope_sync(user_id=personas.sro.user_id)
    visible = get_objects_for_user(personas.sro.user, "schools.log_school_visits", accept_global_perms=False)
    assert list(visible) == [personas.school]
    assert not get_objects_for_user(personas.sergeant.user, "schools.log_school_visits", accept_global_perms=False)
