from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from personnel import demo
from personnel.models import Assignment, Officer, Role, TrainingCompletion, TrainingCourse
from personnel.services import has_current_sro_training
from schools.models import PSA, Area, PoliceDistrict, School, SchoolUserObjectPermission
from ssd import seed
from ssd.audit.models import AuditEntry
from tests.conftest import PERSONA_USERNAMES, today

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "demo-Passw0rd-for-tests"


PERSONNEL_STEPS = [
    "personnel.courses", "personnel.officers", "personnel.passwords", "personnel.training", "personnel.assignments",
]


WHOLE_PLAN_SRO_SCHOOLS = demo.sro_schools


def small_plan_sro_schools() -> list[School]:
    """A few SRO schools instead of every one: Roosevelt and Anacostia (the personas' schools), the
    first alternative or special-education school, and the first schools whose usernames collide
    (so the de-duplication runs). test_seed_demo_every_app.py seeds the whole division."""
    every = WHOLE_PLAN_SRO_SCHOOLS()
    by_username: dict[str, list[School]] = {}
    for school in every:
        by_username.setdefault(demo.school_username(school), []).append(school)
    colliding = next((group for group in by_username.values() if len(group) > 1), [])
    extra = next(s for s in every if s.grade_band in demo.EXTRA_SRO_BANDS)
    named = [s for s in every if s.name in ("Roosevelt High School", "Anacostia High School")]
    keep = {s.pk for s in [*named, extra, *colliding]}
    return [s for s in every if s.pk in keep]


@pytest.fixture(autouse=True)
def personnel_steps_only(monkeypatch):
    """Other apps' demo steps (incidents, notifications) are theirs to test; here only the
    division itself is seeded, with a small plan (test_seed_demo_every_app.py runs them all, on
    every school)."""
    monkeypatch.setattr(seed, "_STEPS", {name: step for name, step in seed._STEPS.items() if name in PERSONNEL_STEPS})
    monkeypatch.setattr(demo, "sro_schools", small_plan_sro_schools)


def demo_officers():
    """Every officer but the test personas (tests/conftest.py builds them once per database)."""
    return Officer.objects.exclude(user__username__in=PERSONA_USERNAMES.values())


def demo_assignments():
    return Assignment.objects.active().filter(officer__in=demo_officers())


def assert_every_sro_school_has_one_trained_sro(schools: list[School], *, lapsed: int = 0) -> None:
    """One SRO at each school, trained; `lapsed` of them have let their training lapse since (the
    safety-plans demo lapses one on purpose, to show the flag)."""
    untrained = 0
    for school in schools:
        sros = demo_officers().filter(assignments__in=Assignment.objects.active().filter(role=Role.SRO, school=school))
        assert sros.count() == 1, school
        untrained += not has_current_sro_training(sros.get(), on=today())
    assert untrained == lapsed
    others = Assignment.objects.active().filter(role=Role.SRO, officer__in=demo_officers()).exclude(school__in=schools)
    assert others.exists()


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "officers": Officer.objects.count(),
        "assignments": Assignment.objects.count(),
        "completions": TrainingCompletion.objects.count(),
        "courses": TrainingCourse.objects.count(),
        "perms": SchoolUserObjectPermission.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_seed_creates_the_division_and_a_second_run_changes_nothing(geography):
    out, _ = run("--password", PASSWORD)
    first = counts()
    assert "commander" in out and "Jordan" in out
    passwords = dict(User.objects.values_list("username", "password"))

    out, _ = run("--password", PASSWORD)
    assert counts() == first
    assert "nothing changed" in out
    assert dict(User.objects.values_list("username", "password")) == passwords

    commander = Officer.objects.get(user__username="commander")
    assert commander.user.last_name == "Jordan"
    assert commander.assignments.get().role == Role.COMMANDER
    for code in ("north", "central", "east"):
        assert demo_assignments().filter(role=Role.LIEUTENANT, area__code=code).count() == 1
        assert demo_assignments().filter(role=Role.SROC, area__code=code).count() == 1
    for district in PoliceDistrict.objects.all():
        for role in (Role.SERGEANT, Role.DISTRICT_COMMANDER, Role.WATCH_COMMANDER):
            assert demo_assignments().filter(role=role, district=district).exists(), (role, district)
    for role in (Role.COTR, Role.COMPLIANCE_MONITOR, Role.CONTRACT_MONITORING, Role.DIVISION_ADMIN):
        assert demo_assignments().filter(role=role).count() == 1
    assert User.objects.get(username="divadmin").is_staff

    planned = small_plan_sro_schools()
    assert len(planned) >= 3
    assert_every_sro_school_has_one_trained_sro([s for s in planned if s.is_secondary])
    assert not demo_assignments().filter(role=Role.SRO).exclude(school__in=planned).exists()
    roosevelt = Officer.objects.get(user__username="sro.roosevelt-hs").assignments.get().school
    assert roosevelt.name == "Roosevelt High School"

    course = TrainingCourse.objects.get(name="School Safety Division SRO training")
    assert course.qualifies_sro and course.validity_months == 24
    assert TrainingCourse.objects.filter(qualifies_sro=False).count() >= 2


def test_json_prints_only_the_accounts(geography):
    out, _ = run("--password", PASSWORD, "--json")
    listed = json.loads(out)
    for account in listed:
        assert set(account) == {"username", "name", "role", "area", "districts", "schools"}
    # Officers, then the accounts other apps' steps add (the guard contractor's cluster supervisors).
    accounts = [a for a in listed if a["role"] in Role.values]
    assert len(accounts) == demo_officers().count()
    assert {a["role"] for a in listed[len(accounts):]} <= {"cluster_supervisor"}
    by_name = {a["username"]: a for a in accounts}
    assert by_name["commander"]["name"] == "Commander Alicia Jordan"
    assert by_name["commander"]["area"] is None
    assert len(by_name["commander"]["schools"]) == School.objects.count()
    assert by_name["lt.north"] | {"schools": None} == {
        "username": "lt.north", "name": by_name["lt.north"]["name"], "role": "lieutenant", "area": "North",
        "districts": ["2D", "3D", "4D"], "schools": None,
    }
    assert by_name["sgt.4d"]["districts"] == ["4D"] and by_name["sgt.4d"]["area"] == "North"
    assert "Roosevelt High School" in by_name["sgt.4d"]["schools"]
    sro = by_name["sro.roosevelt-hs"]
    assert (sro["role"], sro["districts"], sro["schools"]) == ("sro", ["4D"], ["Roosevelt High School"])
    assert by_name["cotr"]["role"] == "cotr" and len(by_name["cotr"]["schools"]) == School.objects.count()


def test_random_passwords_are_printed_once_and_password_resets_them_on_a_rerun(geography):
    out, _ = run()
    lines = [line for line in out.splitlines() if "password: " in line]
    from contracts.models import ContractorAccount  # the contract step's cluster supervisors sign in too

    assert len(lines) == demo_officers().count() + ContractorAccount.objects.count()
    username, printed = lines[0].split()[0], lines[0].split("password: ")[1].strip()
    assert User.objects.get(username=username).check_password(printed)

    out, _ = run()
    assert "password: " not in out
    assert User.objects.get(username=username).check_password(printed)  # kept

    run("--password", PASSWORD)
    for user in User.objects.filter(officer__in=demo_officers()):
        assert user.check_password(PASSWORD), user.username


def test_json_without_password_keeps_stdout_pure_and_passwords_on_stderr(geography):
    out, err = run("--json")
    assert isinstance(json.loads(out), list)
    assert "shown once" in err


def test_a_weak_password_is_refused_before_anything_is_written(geography):
    before = counts()
    with pytest.raises(CommandError, match="--password"):
        run("--password", "short")
    assert counts() == before


def test_the_seed_imports_the_geography_when_it_is_missing(db):
    Assignment.objects.all().delete()  # the personas' posts hold on to the geography
    School.objects.all().delete()
    PSA.objects.all().delete()
    PoliceDistrict.objects.all().delete()
    Area.objects.all().delete()
    out, _ = run("--password", PASSWORD)
    assert "imported the DC geography" in out
    assert School.objects.count() == 253 and Area.objects.count() == 3
    assert Officer.objects.filter(user__username="sgt.7d").exists()


def test_personnel_registers_its_steps_in_order():
    assert [s.name for s in seed.ordered_steps()] == PERSONNEL_STEPS


def test_another_app_can_add_a_step(geography):
    seen = []

    @seed.register_seed_step("tests.count_officers", after=("personnel.assignments",))
    def step(ctx):
        seen.append((len(ctx.officers), demo.Assignment.objects.count()))
        ctx.add_account(username="cluster.sup", name="Pat Guard", role="cluster_supervisor", schools=["X"])

    result = demo.seed_demo(password=PASSWORD)
    assert [s.name for s in seed.ordered_steps()][-1] == "tests.count_officers"
    # It ran last, after every officer was created and assigned.
    assert seen == [(len(result.officers), demo.Assignment.objects.count())]
    assert seen[0][0] == len(demo.plan_accounts()) > 30
    assert result.extra_accounts[0]["username"] == "cluster.sup"
    described = demo.describe_accounts(result)
    assert described[-1] == {
        "username": "cluster.sup", "name": "Pat Guard", "role": "cluster_supervisor", "area": None,
        "districts": [], "schools": ["X"],
    }


def test_json_and_table_list_the_accounts_a_step_adds(geography):
    @seed.register_seed_step("tests.extra", after=("personnel.assignments",))
    def step(ctx):
        ctx.add_account(username="cluster.sup", name="Pat Guard", role="cluster_supervisor", districts=["1D"])

    out, _ = run("--password", PASSWORD, "--json")
    accounts = {a["username"]: a for a in json.loads(out)}
    assert accounts["cluster.sup"]["districts"] == ["1D"]
    out, _ = run("--password", PASSWORD)
    line = next(line for line in out.splitlines() if line.startswith("cluster.sup"))
    assert "Pat Guard" in line and "Cluster supervisor" in line and "1D" in line


def test_usernames_follow_the_scheme():
    school = School(name="Columbia Heights Education Campus 9–12 (CHEC)")
    assert demo.school_username(school) == "sro.columbia-heights-ec-912"
    assert demo.school_username(School(name="Roosevelt High School")) == "sro.roosevelt-hs"
    assert demo.school_username(School(name="Jackson-Reed High School (formerly Wilson HS)")) == "sro.jackson-reed-hs"


def test_json_stays_parseable_when_a_step_prints(geography):
    def noisy(ctx):
        print("Subject: an email the console backend would print")  # noqa: T201

    seed.register_seed_step("tests.noisy", after=("personnel.assignments",))(noisy)
    out, err = run("--password", PASSWORD, "--json")
    assert isinstance(json.loads(out), list)
    assert "Subject:" in err

