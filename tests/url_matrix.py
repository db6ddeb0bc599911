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


def _review_panel(p) -> str:
    """A home panel's key: the sergeant's review queue (incidents registers it)."""
    return "incidents.review_queue"


OBJECTS: dict[str, Callable] = {
    "review_panel": _review_panel,
    "school": _school,
    "other_school": _other_school,
    "sro_user": _sro_user,
    "sro_officer": _sro_officer,
    "sro_assignment": _sro_assignment,
    "incident": _incident,
    "incident_attachment": _incident_attachment,
}

ADMINS = {"commander", "admin"}
NO_INCIDENTS = {"cotr": 404, "compliance_monitor": 404, "contract_unit": 404, "nobody": 404}
INCIDENT_BOOK = {"commander", "admin", "lieutenant", "sroc", "sergeant", "sro"}

# --- The matrix ---------------------------------------------------------------------------------------

MATRIX: dict[str, Url] = {
    # Sign-in and account
    "login": url(everyone(REDIRECT, anonymous=200)),  # signed in: sent on to the home page
    "logout": url(everyone(405)),  # POST only (anonymous: sign-in first, like every page)
    "password_change": url(everyone(200)),
    "password_change_done": url(everyone(200)),
    "admin_login": url(everyone(LOGIN, anonymous=LOGIN)),  # our sign-in, with the notice and 2FA
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
    # Home, schools, people
    "home": url(everyone(200)),
    # One home panel, re-rendered in place by htmx: 404 to a role it has nothing for (the sergeant's
    # review queue here; tests/dashboard/test_panels.py covers each panel's roles).
    "home_panel": url({"key": "review_panel"}, only({"sergeant"}, others=404)),
    "schools:list": url(everyone(200)),  # a scoped list: empty for nobody
    "schools:detail": url({"pk": "school"}, everyone(200, nobody=404)),
    "personnel:directory": url(everyone(200)),
    "personnel:new": url(only({"admin"})),
    # The SRO's own page: supervisors whose scope covers Roosevelt HS, and the SRO themself; others 403.
    "personnel:detail": url(
        {"pk": "sro_officer"}, only({"commander", "admin", "lieutenant", "sroc", "sergeant", "sro"})
    ),
    "personnel:assign": url({"pk": "sro_officer"}, only({"admin"})),
    "personnel:assignment_end": url({"pk": "sro_officer", "assignment_pk": "sro_assignment"}, only({"admin"})),
    "personnel:training_new": url({"pk": "sro_officer"}, only({"admin"})),
    # Notifications: everyone's own inbox; failed deliveries are the division admin's (404 to others).
    # POST-only views answer a GET with 405 before any lookup, so their ids need not exist.
    "notifications:inbox": url(everyone(200)),
    "notifications:unread_count": url(everyone(200)),
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
    "incidents:supplement_add": url({"pk": 1}, everyone(405)),
    "incidents:attachment_add": url({"pk": 1}, everyone(405)),
    "incidents:person_add": url({"pk": 1}, everyone(405)),
    "incidents:person_remove": url({"pk": 1, "person_pk": 1}, everyone(405)),
    "incidents:followup_add": url({"pk": 1}, everyone(405)),
    "incidents:followup_update": url({"pk": 1, "followup_pk": 1}, everyone(405)),
    "incidents:followup_note_add": url({"pk": 1, "followup_pk": 1}, everyone(405)),
    "incidents:checklist_tick": url({"pk": 1, "item_pk": 1}, everyone(405)),
}
