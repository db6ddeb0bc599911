"""Who may GET which page: the role matrix walked by tests/test_url_walker.py.

HOW TO ADD AN ENTRY (every new URL name needs one, or the walker fails and names it)
------------------------------------------------------------------------------------
Add one line to MATRIX, keyed by the URL's full name ("namespace:name"):

    "incidents:detail": url({"pk": "incident"}, everyone(200, nobody=404, cotr=404)),

- The first argument gives the URL's kwargs. A value is either a literal (an int or a string used
  as is) or the name of an object maker in OBJECTS below (e.g. "school" = the personas' own school,
  Roosevelt HS). Need a new kind of object (an incident, a notification)? Add a maker to OBJECTS:
  a function that takes the `personas` fixture and returns the id to put in the URL. Make the
  object at the personas' school (Roosevelt HS, PSA 404, 4D) so scope decides the answer.
- The second argument maps each role in ROLES to the expected status of a plain GET by that role:
  an int (200, 403, 404, 405, ...), LOGIN (a 302 to the sign-in page) or REDIRECT (any 302).
  Build it with a helper:
      everyone(200)                      every signed-in role 200, anonymous sent to sign-in
      everyone(405)                      a POST-only view (anonymous: sign-in first)
      only({"commander", "admin"})       those 200, the other signed-in roles 403
      only({...}, others=404)            ... the others 404 (an object page out of their scope)
  and override single roles with keywords: everyone(200, nobody=404, anonymous=200).
- Decide from the view's code, not from what it happens to return today: the matrix is the
  statement of who may see the page.

The admin site (admin:*) is walked as one family in the walker itself; it needs no entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = (
    "commander",
    "admin",
    "lieutenant",
    "sroc",
    "sergeant",
    "sro",
    "district_commander",
    "watch_commander",
    "cotr",
    "compliance_monitor",
    "contract_unit",
    "cluster_supervisor",
    "nobody",
    "anonymous",
)
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")

LOGIN = "login"  # 302 to the sign-in page
REDIRECT = "redirect"  # any 302

Expect = int | str


@dataclass(frozen=True)
class Url:
    kwargs: dict[str, int | str] = field(default_factory=dict)
    expect: dict[str, Expect] = field(default_factory=dict)


def everyone(status: Expect, *, anonymous: Expect = LOGIN, **overrides: Expect) -> dict[str, Expect]:
    unknown = set(overrides) - set(SIGNED_IN)
    assert not unknown, f"unknown roles {unknown}"
    return {**dict.fromkeys(SIGNED_IN, status), "anonymous": anonymous, **overrides}


def only(
    roles: set[str], ok: Expect = 200, *, others: Expect = 403, anonymous: Expect = LOGIN, **overrides: Expect
) -> dict[str, Expect]:
    unknown = (roles | set(overrides)) - set(SIGNED_IN)
    assert not unknown, f"unknown roles {unknown}"
    return {**{role: ok if role in roles else others for role in SIGNED_IN}, "anonymous": anonymous, **overrides}


def url(kwargs: dict | None = None, expect: dict | None = None) -> Url:
    if expect is None:  # url(everyone(200)): no kwargs
        kwargs, expect = {}, kwargs
    assert set(expect) == set(ROLES), f"every role needs a status; missing {set(ROLES) - set(expect)}"
    return Url(kwargs=kwargs or {}, expect=expect)


# --- Objects for path converters: name -> maker(personas) -> id --------------------------------------


def _school(p) -> int:
    return p.school.pk


def _other_school(p) -> int:
    return p.other_school.pk


def _sro_user(p) -> int:
    return p.sro.user.pk


def _sro_officer(p) -> int:
    return p.sro.pk


def _sro_assignment(p) -> int:
    return p.sro.assignments.get().pk


def _incident(p) -> int:
    """A submitted, non-significant incident by the personas' SRO at Roosevelt HS (made once per test)."""
    if getattr(p, "_incident_pk", None) is None:
        from tests.incidents.factories import make_incident

        p._incident_pk = make_incident(by=p.sro.user, school=p.school).pk
    return p._incident_pk


def _incident_attachment(p) -> int:
    """A PNG attached to `_incident` (the file goes to MEDIA_ROOT, like any upload)."""
    if getattr(p, "_attachment_pk", None) is None:
        from incidents.models import Incident
        from incidents.services import attachment_add
        from tests.incidents.factories import png_bytes, upload

        incident = Incident.objects.get(pk=_incident(p))
        p._attachment_pk = attachment_add(incident=incident, by=p.sro.user, upload=upload("x.png", png_bytes())).pk
    return p._attachment_pk


def _advisory(p) -> int:
    """An advisory from the personas' sergeant to the SROs of Roosevelt HS (made once per test)."""
    if getattr(p, "_advisory_pk", None) is None:
        import datetime as dt

        from django.utils import timezone

        from advisories.services import advisory_send

        now = timezone.now()
        p._advisory_pk = advisory_send(
            by=p.sergeant.user,
            title="Watch the north gate",
            watch_for="Two vehicles seen circling at dismissal.",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=6),
            school_ids=[p.school.pk],
        ).pk
    return p._advisory_pk


def _guard_post(p) -> int:
    """The guard post at Roosevelt HS, in the personas' Cluster Supervisor's cluster."""
    from tests.contracts.factories import make_contract, make_post

    return make_post(make_contract(), p.school).pk


def _guard_shift(p) -> int:
    """A finished shift yesterday at `_guard_post`, by a guard assigned there."""
    if getattr(p, "_shift_pk", None) is None:
        import datetime as dt

        from django.utils import timezone

        from contracts.models import Post, Shift
        from tests.contracts.factories import make_guard

        post = Post.objects.get(pk=_guard_post(p))
        start = timezone.localtime() - dt.timedelta(days=1)
        p._shift_pk = Shift.objects.create(
            post=post,
            guard=make_guard(post.contract),
            date=start.date(),
            signed_in_at=start,
            signed_out_at=start + dt.timedelta(hours=8),
            minutes=480,
            recorded_by=p.cluster_supervisor.user,
        ).pk
        from contracts.services import delivery_rebuild

        delivery_rebuild(contract=post.contract)  # written directly: the post-day rollup follows
    return p._shift_pk


def _visit(p) -> int:
    """A visit the personas' lieutenant booked at Roosevelt HS for tomorrow."""
    if getattr(p, "_visit_pk", None) is None:
        from tests.visits.factories import schedule

        p._visit_pk = schedule(by=p.lieutenant.user, school=p.school).pk
    return p._visit_pk


def _meeting(p) -> int:
    """A PSA 404 meeting the personas' lieutenant recorded."""
    if getattr(p, "_meeting_pk", None) is None:
        from tests.visits.factories import at
        from visits.services import meeting_create

        p._meeting_pk = meeting_create(
            by=p.lieutenant.user, kind="psa", title="PSA 404", starts_at=at(-1, 18), ends_at=at(-1, 19),
            psa=p.school.psa,
        ).pk
    return p._meeting_pk


def _crime_near_school(p) -> int:
    """A theft 50 m north of Roosevelt HS (made once per test): a row of its vicinity list."""
    if not hasattr(p, "_crime_pk"):
        import datetime as dt

        from django.utils import timezone

        from crime.models import Crime

        now = timezone.now()
        p._crime_pk = Crime.objects.create(
            ccn="99000001", reported_at=now, reported_on=timezone.localdate(), shift="DAY", method="OTHERS",
            offense="THEFT/OTHER", block="100 - 199 BLOCK OF TEST STREET NW",
            latitude=float(p.school.latitude) + 50 / 111_320, longitude=float(p.school.longitude),
            start_date=now - dt.timedelta(hours=1), first_imported_at=now, imported_at=now,
        ).pk
    return p._crime_pk


def _revoked_feed_token(p) -> str:
    """The lieutenant's calendar-feed token from before a reset: the feed must answer 404 to everyone."""
    from visits.services import calendar_feed_get, calendar_feed_reset, calendar_feed_token

    token = calendar_feed_token(calendar_feed_get(user=p.lieutenant.user))
    calendar_feed_reset(user=p.lieutenant.user)
    return token
def _safety_plan_year(p) -> int:
    """A draft safety plan of the current plan year at Roosevelt HS, by its SRO (made once per test)."""
    if getattr(p, "_plan_year", None) is None:
        from safetyplans.deadlines import plan_year
        from safetyplans.services import plan_start, plan_update
        from tests.conftest import today

        plan = plan_start(school=p.school, school_year=plan_year(today()), by=p.sro.user)
        plan_update(plan=plan, by=p.sro.user, other="Meet at the gym.")
        p._plan_year = plan.school_year
    return p._plan_year


def _safety_plan_attachment(p) -> int:
    if getattr(p, "_plan_attachment_pk", None) is None:
        from safetyplans.models import SafetyPlan
        from safetyplans.services import plan_attachment_add
        from tests.incidents.factories import png_bytes, upload

        plan = SafetyPlan.objects.get(school=p.school, school_year=_safety_plan_year(p))
        p._plan_attachment_pk = plan_attachment_add(plan=plan, by=p.sro.user, upload=upload("f.png", png_bytes())).pk
    return p._plan_attachment_pk


def _program(p) -> int:
    if getattr(p, "_program_pk", None) is None:
        from safetyplans.services import program_create
        from tests.conftest import today

        p._program_pk = program_create(
            school=p.school, by=p.sro.user, name="Peer mediation", kind="conflict", starts_on=today()
        ).pk
    return p._program_pk


def _guard_discrepancy(p) -> int:
    """An open discrepancy raised by the personas' SRO at `_guard_post`."""
    if getattr(p, "_discrepancy_pk", None) is None:
        from contracts.models import Post
        from contracts.services import discrepancy_raise

        post = Post.objects.get(pk=_guard_post(p))
        p._discrepancy_pk = discrepancy_raise(
            post=post, type="uniform", severity="low", description="Not in uniform.", by=p.sro.user
        ).pk
    return p._discrepancy_pk


def _guard_inspection(p) -> int:
    """An inspection by the personas' SRO at `_guard_post`, with one photo (the file goes to MEDIA_ROOT)."""
    if getattr(p, "_inspection_pk", None) is None:
        from contracts.models import Post
        from contracts.services import inspection_submit
        from contracts.uploads import photos_store
        from tests.incidents.factories import png_bytes, upload

        post = Post.objects.get(pk=_guard_post(p))
        results = dict.fromkeys(("present", "uniform", "licence", "post_orders", "log_book", "equipment"), "pass")
        p._inspection_pk = inspection_submit(
            post=post,
            by=p.sro.user,
            results={**results, "other": "na"},
            photos=photos_store([upload("post.png", png_bytes())]),
        ).pk
    return p._inspection_pk


def _guard_inspection_photo(p) -> int:
    from contracts.models import InspectionPhoto

    return InspectionPhoto.objects.filter(inspection_id=_guard_inspection(p)).values_list("pk", flat=True).get()


def _review_panel(p) -> str:
    """A home panel's key: the sergeant's review queue (incidents registers it)."""
    return "incidents.review_queue"


def _report_table(p) -> str:
    """A report table's CSV: incidents by district (reports app)."""
    return "districts"


def _report_section(p) -> str:
    """A section of the report fetched after the page: the details (reports app)."""
    return "details"


OBJECTS: dict[str, Callable] = {
    "report_table": _report_table,
    "report_section": _report_section,
    "guard_post": _guard_post,
    "guard_shift": _guard_shift,
    "guard_discrepancy": _guard_discrepancy,
    "guard_inspection": _guard_inspection,
    "guard_inspection_photo": _guard_inspection_photo,
    "review_panel": _review_panel,
    "school": _school,
    "other_school": _other_school,
    "sro_user": _sro_user,
    "sro_officer": _sro_officer,
    "sro_assignment": _sro_assignment,
    "incident": _incident,
    "incident_attachment": _incident_attachment,
    "advisory": _advisory,
    "visit": _visit,
    "meeting": _meeting,
    "crime_near_school": _crime_near_school,
    "revoked_feed_token": _revoked_feed_token,
    "safety_plan_year": _safety_plan_year,
    "safety_plan_attachment": _safety_plan_attachment,
    "program": _program,
}

ADMINS = {"commander", "admin"}
ADVISORY_SENDERS = {"commander", "lieutenant", "sergeant", "district_commander", "watch_commander"}
NO_INCIDENTS = {"cotr": 404, "compliance_monitor": 404, "contract_unit": 404, "cluster_supervisor": 404, "nobody": 404}
# A contractor's Cluster Supervisor is not a division member: every people page is a 404 to them.
NOT_MPD = {"cluster_supervisor": 404}
# The guard contract at Roosevelt HS: who reaches it (scope as everywhere; the supervisor by cluster).
CONTRACT_SCOPE = {
    "commander", "sro", "sergeant", "lieutenant", "cotr", "compliance_monitor", "contract_unit", "cluster_supervisor"
}
INSPECTORS = {"sro", "sergeant", "lieutenant", "compliance_monitor"}
INCIDENT_BOOK = {"commander", "admin", "lieutenant", "sroc", "sergeant", "sro"}
# Site visits and meetings are the supervisors' calendars: other roles get 403, decided before any
# lookup (so a visit's existence is not leaked); scheduling and recording is for WORK only.
VISIT_SEE = {"commander", "admin", "lieutenant", "sroc", "sergeant"}
VISIT_WORK = {"commander", "lieutenant", "sergeant"}
# A safety plan is the school's chain of command's alone (not the division admin's, not district or
# watch commanders', never contract roles'); programs also the division admin's.
PLAN_CHAIN = {"commander", "lieutenant", "sroc", "sergeant", "sro"}
PROGRAM_SCOPE = PLAN_CHAIN | {"admin"}
PLAN = {"school_id": "school", "year": "safety_plan_year"}

# --- The matrix ---------------------------------------------------------------------------------------

MATRIX: dict[str, Url] = {
    # Sign-in and account
    "login": url(everyone(REDIRECT, anonymous=200)),  # signed in: sent on to the home page
    "logout": url(everyone(405)),  # POST only (anonymous: sign-in first, like every page)
    "password_change": url(everyone(200)),
    "password_change_done": url(everyone(200)),
    # Anonymous: our sign-in, with the notice and 2FA. Signed in: staff to the admin index, anyone else
    # home with a message (issue 10: the sign-in page used to send them back to the admin, a loop).
    "admin_login": url(everyone(REDIRECT, anonymous=LOGIN)),
    "healthz": url(everyone(200, anonymous=200)),
    # Two-factor
    "mfa:manage": url(everyone(200)),
    "mfa:verify": url(everyone(REDIRECT, anonymous=LOGIN)),  # no device / no password step: sent on
    "mfa:enrol": url(everyone(200)),
    "mfa:backup_codes": url(everyone(200)),
    "mfa:disable": url(everyone(405)),
    "mfa:users": url(only({"admin"})),
    "mfa:reset": url({"user_id": "sro_user"}, only({"admin"})),
    "usersessions:list": url(everyone(200)),
    "usersessions:end": url({"pk": 1}, everyone(405)),
    "usersessions:end_others": url(everyone(405)),
    "usersessions:end_all": url({"user_id": "sro_user"}, everyone(405)),
    # Audit
    "audit:log": url(only(ADMINS)),
    "audit:export": url(only(ADMINS)),
    "audit:disclosures": url(only(ADMINS)),
    # The division admin reviews break-the-glass openings; the commander reads the audit trail but not this.
    "audit:break_glass": url(only({"admin"})),
    # Home, schools, people
    "home": url(everyone(200)),
    # One home panel, re-rendered in place by htmx: 404 to a role it has nothing for (the sergeant's
    # review queue here; tests/dashboard/test_panels.py covers each panel's roles).
    "home_panel": url({"key": "review_panel"}, only({"sergeant"}, others=404)),
    # The daily digest setting (home.md): POST only; a GET is 405 for every signed-in role.
    "home_digest": url(everyone(405)),
    "schools:list": url(everyone(200)),  # a scoped list: empty for nobody
    # Crime around a school (crime app): SRO, sergeant, lieutenant, SROC, commander, admin at Roosevelt HS;
    # district and watch commanders see the school but not its vicinity (403); contract staff and the
    # unassigned have no crime scope (404). Anacostia HS is outside the SRO's, sergeant's and lieutenant's.
    "crime:school_vicinity": url(
        {"pk": "school"}, only(INCIDENT_BOOK, district_commander=403, watch_commander=403, others=404)
    ),
    "crime:school_vicinity_csv": url(
        {"pk": "school"}, only(INCIDENT_BOOK, district_commander=403, watch_commander=403, others=404)
    ),
    # "Advise SROs" on a crime of the vicinity: on to the prefilled advisory form for whoever may see
    # the vicinity and send advisories; 403 to the others who see it (and to district and watch
    # commanders, who send advisories but do not see this section); 404 outside the crime scope.
    "crime:advise": url(
        {"pk": "school", "crime_pk": "crime_near_school"},
        only(
            {"commander", "lieutenant", "sergeant"},
            REDIRECT,
            others=404,
            admin=403, sroc=403, sro=403, district_commander=403, watch_commander=403,
        ),
    ),
    "schools:detail": url({"pk": "school"}, everyone(200, nobody=404, cluster_supervisor=404)),
    "personnel:directory": url(everyone(200, **NOT_MPD)),
    "personnel:new": url(only({"admin"}, **NOT_MPD)),
    # The SRO's own page: supervisors whose scope covers Roosevelt HS, and the SRO themself; others 403.
    "personnel:detail": url(
        {"pk": "sro_officer"}, only({"commander", "admin", "lieutenant", "sroc", "sergeant", "sro"}, **NOT_MPD)
    ),
    "personnel:assign": url({"pk": "sro_officer"}, only({"admin"}, **NOT_MPD)),
    "personnel:assignment_end": url(
        {"pk": "sro_officer", "assignment_pk": "sro_assignment"}, only({"admin"}, **NOT_MPD)
    ),
    "personnel:training_new": url({"pk": "sro_officer"}, only({"admin"}, **NOT_MPD)),
    # Notifications: everyone's own inbox; failed deliveries are the division admin's (404 to others).
    # POST-only views answer a GET with 405 before any lookup, so their ids need not exist.
    # Advisories: the district's chain sends and follows; the SROs of its schools receive.
    "advisories:list": url(everyone(200)),
    "advisories:new": url(only(ADVISORY_SENDERS)),
    "advisories:detail": url({"pk": "advisory"}, only(ADVISORY_SENDERS | {"sro"}, others=404)),
    "advisories:tracking": url({"pk": "advisory"}, only(ADVISORY_SENDERS, others=404, sro=403)),
    "advisories:acknowledge": url({"pk": 1}, everyone(405)),
    "advisories:update": url({"pk": 1}, everyone(405)),
    "advisories:remind": url({"pk": 1}, everyone(405)),
    "notifications:inbox": url(everyone(200)),
    "notifications:waiting": url(everyone(200)),
    "notifications:read_all": url(everyone(405)),
    "notifications:read": url({"pk": 1}, everyone(405)),
    "notifications:acknowledge": url({"pk": 1}, everyone(405)),
    "notifications:failed": url(only({"admin"}, others=404)),
    "notifications:retry": url({"pk": 1}, everyone(405)),
    # Incidents: contract roles and the unassigned get 404 on every incident page (no incident scope).
    "incidents:list": url(everyone(200, **NO_INCIDENTS)),
    "incidents:followups": url(everyone(200, **NO_INCIDENTS)),
    "incidents:new": url(only({"sro"}, **NO_INCIDENTS)),
    "incidents:review_queue": url(only({"sergeant"}, **NO_INCIDENTS)),
    # A non-significant incident at Roosevelt HS: its whole book is in scope for these six roles;
    # district and watch commanders see significant incidents only.
    "incidents:detail": url({"pk": "incident"}, only(INCIDENT_BOOK, others=404)),
    "incidents:print": url({"pk": "incident"}, only(INCIDENT_BOOK, others=404)),
    "incidents:attachment": url(
        {"pk": "incident", "attachment_pk": "incident_attachment"}, only(INCIDENT_BOOK, others=404)
    ),
    # Submitted, so its author is sent back to the record; others in scope may not edit it.
    "incidents:edit": url({"pk": "incident"}, only(INCIDENT_BOOK - {"sro"}, 403, others=404, sro=REDIRECT)),
    # POST only.
    "incidents:review": url({"pk": 1}, everyone(405)),
    "incidents:significance": url({"pk": 1}, everyone(405)),
    "incidents:break_glass": url({"pk": 1}, everyone(405)),
    "incidents:supplement_add": url({"pk": 1}, everyone(405)),
    "incidents:attachment_add": url({"pk": 1}, everyone(405)),
    "incidents:person_add": url({"pk": 1}, everyone(405)),
    "incidents:person_remove": url({"pk": 1, "person_pk": 1}, everyone(405)),
    "incidents:followup_add": url({"pk": 1}, everyone(405)),
    "incidents:followup_update": url({"pk": 1, "followup_pk": 1}, everyone(405)),
    "incidents:followup_note_add": url({"pk": 1, "followup_pk": 1}, everyone(405)),
    "incidents:checklist_tick": url({"pk": 1, "item_pk": 1}, everyone(405)),
    # Issue 10, review half: an officer proposes significance, a sergeant decides (POST only).
    "incidents:significance_propose": url({"pk": 1}, everyone(405)),
    "incidents:significance_decide": url({"pk": 1, "proposal_pk": 1}, everyone(405)),
    # The incident page's htmx helpers (issue 10): the category preview is a GET for reporting SROs;
    # the autosave, the extra person row and the draft page's Submit are POST only.
    "incidents:category_preview": url(only({"sro"}, **NO_INCIDENTS)),
    "incidents:autosave": url(everyone(405)),
    "incidents:people_row": url(everyone(405)),
    "incidents:submit": url({"pk": 1}, everyone(405)),
    # Site visits (a visit at Roosevelt HS, in every supervisor persona's scope).
    "visits:index": url(only(VISIT_SEE)),
    "visits:new": url(only(VISIT_WORK)),
    "visits:plan": url(only(VISIT_WORK)),
    "visits:detail": url({"pk": "visit"}, only(VISIT_SEE)),
    "visits:respond": url(everyone(405)),
    "visits:record": url({"pk": 1}, everyone(405)),
    "visits:move": url({"pk": 1}, everyone(405)),
    "visits:cancel": url({"pk": 1}, everyone(405)),
    "visits:action_add": url({"pk": 1}, everyone(405)),
    "visits:action_done": url({"pk": 1}, everyone(405)),
    "visits:feed_reset": url(everyone(405)),
    # The signed token is the whole credential: no sign-in (calendar apps carry no cookie); a token
    # from before a reset (or forged, or another key's) → 404.
    "visits:feed": url({"token": "revoked_feed_token"}, everyone(404, anonymous=404)),
    # Liaison meetings.
    "meetings:index": url(only(VISIT_SEE)),
    "meetings:new": url(only(VISIT_WORK)),
    "meetings:detail": url({"pk": "meeting"}, only(VISIT_SEE)),
    "meetings:psa": url({"number": 404}, only(VISIT_SEE)),
    "meetings:action_add": url({"pk": 1}, everyone(405)),
    "meetings:action_done": url({"pk": 1}, everyone(405)),
    "meetings:cancel": url({"pk": 1}, everyone(405)),
    # Safety plans at Roosevelt HS (a draft by its SRO); POST-only views answer 405 before any lookup.
    "safetyplans:current": url({"school_id": "school"}, only(PLAN_CHAIN, others=404)),
    "safetyplans:plan": url(PLAN, only(PLAN_CHAIN, others=404)),
    "safetyplans:edit": url(PLAN, only(PLAN_CHAIN - {"sro"}, 403, others=404, sro=200)),
    "safetyplans:print": url(PLAN, only(PLAN_CHAIN, others=404)),
    "safetyplans:pdf": url(PLAN, only(PLAN_CHAIN, others=404)),
    "safetyplans:diff": url(PLAN, only(PLAN_CHAIN, others=404)),
    "safetyplans:attachment": url(
        {**PLAN, "attachment_pk": "safety_plan_attachment"}, only(PLAN_CHAIN, others=404)
    ),
    "safetyplans:start": url({"school_id": 1}, everyone(405)),
    "safetyplans:submit": url({"school_id": 1, "year": 2026}, everyone(405)),
    "safetyplans:review": url({"school_id": 1, "year": 2026}, everyone(405)),
    "safetyplans:approve": url({"school_id": 1, "year": 2026}, everyone(405)),
    "safetyplans:drill_add": url({"school_id": 1, "year": 2026}, everyone(405)),
    "safetyplans:attachment_add": url({"school_id": 1, "year": 2026}, everyone(405)),
    "safetyplans:board": url(only(PLAN_CHAIN, others=404)),
    # Programs: counts only; the school's SRO runs them.
    "safetyplans:programs": url(only(PROGRAM_SCOPE, others=404)),
    "safetyplans:program_new": url(only(PROGRAM_SCOPE - {"sro"}, 403, others=404, sro=200)),
    "safetyplans:program": url({"pk": "program"}, only(PROGRAM_SCOPE, others=404)),
    "safetyplans:program_edit": url({"pk": "program"}, only(PROGRAM_SCOPE - {"sro"}, 403, others=404, sro=200)),
    "safetyplans:session_add": url({"pk": 1}, everyone(405)),
    # Training: the division admin and the chain of command (an SRO sees their own); bulk entry is the admin's.
    "training:list": url(only(ADMINS | {"lieutenant", "sroc", "sergeant", "sro"})),
    "training:export": url(only(ADMINS | {"lieutenant", "sroc", "sergeant", "sro"})),
    "training:bulk": url(only({"admin"}, **NOT_MPD)),
    # Guard contract (issue 12). Outside the contract scope (division admin, SROC, district and watch
    # commanders, the unassigned): 404 everywhere, as if the pages did not exist. The commander reads
    # everything (issue 16: contract compliance) and acts on nothing: 403 on the pages that act.
    "contracts:overview": url(only(CONTRACT_SCOPE, others=404)),
    "contracts:school": url({"pk": "school"}, only(CONTRACT_SCOPE, others=404)),
    "contracts:inspect": url(
        {"pk": "guard_post"},
        only(INSPECTORS, others=404, commander=403, cotr=403, contract_unit=403, cluster_supervisor=403),
    ),
    "contracts:discrepancy_new": url(
        {"pk": "guard_post"},
        only(INSPECTORS | {"cotr"}, others=404, commander=403, contract_unit=403, cluster_supervisor=403),
    ),
    "contracts:shift_correct": url(
        {"pk": "guard_shift"},
        only(INSPECTORS | {"cluster_supervisor"}, others=404, commander=403, cotr=403, contract_unit=403),
    ),
    "contracts:discrepancies": url(only(CONTRACT_SCOPE, others=404)),
    "contracts:discrepancy": url({"pk": "guard_discrepancy"}, only(CONTRACT_SCOPE, others=404)),
    # The monthly report is the contract roles' and the commander's; others in the contract scope 403.
    "contracts:report": url(
        only(
            {"cotr", "compliance_monitor", "contract_unit", "commander"},
            others=404,
            sro=403,
            sergeant=403,
            lieutenant=403,
            cluster_supervisor=403,
        )
    ),
    # Post orders: read by everyone in the contract scope; publishing (POST) is the COTR's and the
    # compliance monitor's. Assigning guards: theirs alone (others in scope 403).
    "contracts:post_orders": url({"pk": "guard_post"}, only(CONTRACT_SCOPE, others=404)),
    "contracts:post_order": url({"pk": "guard_post", "version": 1}, only(CONTRACT_SCOPE, others=404)),
    "contracts:post_assign": url(
        {"pk": "guard_post"},
        only(
            {"cotr", "compliance_monitor"},
            others=404,
            commander=403,
            sro=403,
            sergeant=403,
            lieutenant=403,
            contract_unit=403,
            cluster_supervisor=403,
        ),
    ),
    "contracts:inspection": url({"pk": "guard_inspection"}, only(CONTRACT_SCOPE, others=404)),
    "contracts:inspection_photo": url(
        {"pk": "guard_inspection", "photo_pk": "guard_inspection_photo"}, only(CONTRACT_SCOPE, others=404)
    ),
    # Reports (reports app): whoever sees incidents, scoped as the incident list (district and watch
    # commanders: the significant incidents of their district); contract roles and the unassigned 404.
    "reports:index": url(everyone(200, **NO_INCIDENTS)),
    "reports:incidents_csv": url(everyone(200, **NO_INCIDENTS)),
    "reports:table_csv": url({"table": "report_table"}, everyone(200, **NO_INCIDENTS)),
    "reports:weekly_pdf": url(everyone(200, **NO_INCIDENTS)),
    "reports:section": url({"name": "report_section"}, everyone(200, **NO_INCIDENTS)),
    # POST only.
    "contracts:shift_delete": url({"pk": 1}, everyone(405)),
    "contracts:shift_add": url({"pk": 1}, everyone(405)),
    "contracts:discrepancy_act": url({"pk": 1}, everyone(405)),
    "contracts:certify": url(everyone(405)),
}
