"""Build a division at scale in PostgreSQL for the load run (issue 15).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssd_scale \
        .venv/bin/python bench/generate.py --schools 2000 --incidents 1000000 [--seed N] [--password P]

Against an empty, migrated database. In order:

1. the real DC geography (`import_dc_geography`: 253 schools, 7 districts, 56 PSAs);
2. the demo chain of command through `seed_demo`'s own personnel steps, so every demo username and
   role exists with its real scope (`commander`, `lt.east`, `sgt.7d`, `sro.anacostia-hs`, ...);
3. generated schools up to `--schools`, each placed in the PSA (and ward, and at the coordinates)
   of a real school, taken in turn: `Bench School 0254` ... (`gis_id` `bench_0254`);
4. an SRO (`sro.bench-<gis id>`) for every school without one, written set-based (user, officer,
   training, assignment and their guardian rows, as `personnel.scope` would write them), then the
   chain of command's scope re-synced so areas and districts cover the new schools;
5. `--incidents` incidents over ten school years, every state and category, with people involved
   (~2 each), supplements (~10%), follow-ups (~5%) and attachment rows (~5%, no files on disk);
6. every `bench/generate_*.py` module present (other apps' tables): see bench/README.md.

Everything is `INSERT ... SELECT` over `generate_series` with a hash of (row, seed) for every
choice, so the same seed on an empty database gives the same rows; no save per row. Every account
gets the password `--password` (default the demo's), hashed once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_PASSWORD = "ssd-demo-Passw0rd"  # noqa: S105  # nosec B105: the demo's documented password
CHUNK = 50_000

# Narrative pieces: every incident reads as a plausible short report and the words a sergeant
# searches for ("fight", "phone", "vape", ...) occur at realistic, different rates.
OPENINGS = [
    "Reporting officer was notified by the assistant principal that",
    "While on patrol in the building, R/O observed that",
    "A teacher flagged down R/O and stated that",
    "School security staff radioed that",
    "A parent called the front office to report that",
    "During dismissal R/O was informed that",
    "Student came to the SRO office and reported that",
    "Dean of students requested assistance because",
]
EVENTS = [
    "two students were involved in a fight",
    "a student was found in possession of a vape pen",
    "a phone was taken from a locker",
    "a verbal argument escalated into pushing",
    "an unknown adult entered the building without signing in",
    "a fire alarm was pulled without cause",
    "graffiti was found on the restroom wall",
    "a student made a threat on social media",
    "a bicycle was stolen from the rack",
    "a student refused to leave the classroom",
    "a group of students were gambling in the stairwell",
    "a laptop cart was found open and two laptops missing",
    "a student reported being harassed on the bus",
    "a knife was found in a backpack during screening",
    "students were trespassing on the roof",
    "a fight broke out in the cafeteria line",
]
OUTCOMES = [
    "Parties were separated and parents notified.",
    "Administration will handle under the school discipline code.",
    "Item recovered and returned to the owner.",
    "No injuries reported.",
    "Medical staff evaluated one student; minor injuries.",
    "Camera footage requested from school security.",
    "Referred to the school counselor.",
    "Report taken; CCN obtained from the district.",
]
FIRST = ["Jamal", "Aaliyah", "Marcus", "Destiny", "Kevin", "Imani", "Luis", "Brianna", "Andre", "Jasmine",
         "Tyrell", "Maria", "DeShawn", "Kayla", "Jose", "Nia", "Malik", "Sofia", "Darius", "Zoe"]
LAST = ["Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Wilson", "Martinez",
        "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin", "Jackson", "Thompson", "White", "Lopez"]


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


class Progress:
    """One line on stderr, rewritten: done/total, rate and time left."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def advance(self, n: int) -> None:
        self.done += n
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed else 0
        left = (self.total - self.done) / rate if rate else 0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        line = (
            f"{self.label:<14} [{'#' * filled}{'.' * (width - filled)}] {self.done:>9,}/{self.total:,}"
            f"  {rate:>8,.0f}/s  " + (f"{left:>4.0f}s left" if self.done < self.total else f"took {elapsed:.0f}s")
        )
        end = "\r" if self.tty and self.done < self.total else "\n"
        if self.tty or self.done >= self.total or self.done % (CHUNK * 4) == 0:
            print(line, end=end, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--no-extensions", action="store_true", help="skip bench/generate_*.py modules")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssd.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench/generate.py needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    summary = generate(
        schools=args.schools,
        incidents=args.incidents,
        seed=args.seed,
        password=args.password,
        extensions=not args.no_extensions,
    )
    width = max(len(k) for k in summary)
    print("\nSummary")
    for key, value in summary.items():
        print(f"  {key.ljust(width)}  {value:>12,}" if isinstance(value, int) else f"  {key.ljust(width)}  {value}")
    return 0


def generate(*, schools: int, incidents: int, seed: int, password: str, extensions: bool = True) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.test import override_settings

    from incidents.models import Incident
    from personnel import demo as personnel_demo

    started = time.monotonic()
    summary: dict[str, object] = {}
    if Incident.objects.exists():
        raise SystemExit("The database already has incidents: bench/generate.py needs an empty, migrated database.")

    t = time.monotonic()
    # Random throwaway passwords hashed with MD5 while seeding (the demo hasher would cost seconds
    # per account); every account then gets the one real hash of --password below.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        personnel_demo.seed_demo(
            password=f"bench-{seed}-Xx9-throwaway",
            steps=_personnel_steps(),
        )
    print(f"geography and demo chain of command: {time.monotonic() - t:.1f}s", file=sys.stderr)

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # one plan, one evaluation order
        # r(i, salt): a uniform number in [0, 1) from (row, salt, seed), the same on every run.
        _random_function(cur, seed)
        _schools(cur, total=schools, summary=summary)
        _sros(cur, seed=seed, summary=summary)
        cur.execute("UPDATE auth_user SET password = %s", [make_password(password)])
        summary["accounts"] = _count(cur, "auth_user")
    _resync_chain_of_command()
    summary["school permission rows"] = _count(connection.cursor(), "schools_schooluserobjectpermission")

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        _random_function(cur, seed)
        foreign_keys = _drop_foreign_keys(cur, INCIDENT_TABLES)
        dropped = _drop_indexes(cur, INCIDENT_TABLES)
        _incidents(cur, total=incidents, summary=summary)
        _children(cur, summary=summary)
        # The trigram (GIN) indexes take most of the index time and nothing below needs them: they
        # are built on a connection of their own while the notifications and the other apps' tables
        # are written (PostgreSQL builds one index per backend; the machine has two cores).
        later = [d for d in dropped if " USING gin " in d]
        _rebuild(cur, "indexes", [d for d in dropped if d not in later] + foreign_keys)
    if connection.in_atomic_block:
        # Called inside a transaction of the caller's (a test): another connection would wait for
        # its locks, so build them here.
        with connection.cursor() as cur:
            _rebuild(cur, "trigram indexes", later)
        later = []
    background = _in_background(later)

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        _random_function(cur, seed)
        _notifications(cur, summary=summary)

    if extensions:
        for name, fn in _extensions():
            t = time.monotonic()
            with transaction.atomic():
                connection.ensure_connection()
                counts = fn(
                    connection.connection,
                    schools=list(_school_ids()),
                    seed=seed,
                    scale=incidents / 1_000_000,
                )
            for label, n in (counts or {}).items():
                summary[label] = n
            print(f"{name}: {time.monotonic() - t:.1f}s", file=sys.stderr)

    t = time.monotonic()
    background.join()
    if background.error:
        raise background.error
    print(f"trigram indexes: {background.seconds:.1f}s (waited {time.monotonic() - t:.1f}s)", file=sys.stderr)
    t = time.monotonic()
    with connection.cursor() as cur:
        # VACUUM too, as autovacuum would soon after: the visibility map lets counts and the inbox
        # read their indexes only, as they would on a database in service.
        cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    print(f"vacuum and analyze: {time.monotonic() - t:.1f}s", file=sys.stderr)
    summary["seed"] = seed
    summary["seconds"] = f"{time.monotonic() - started:.0f}"
    return summary


def _personnel_steps():
    """seed_demo's personnel steps only (not the demo incidents, notifications, ...), in order."""
    from personnel import demo as personnel_demo

    return personnel_demo.personnel_steps()


def _random_function(cur, seed: int) -> None:
    """pg_temp.r(i, salt): a uniform number in [0, 1) from (row, salt, seed), the same on every run.
    (A function body takes no bind parameters; the seed is an int.)"""
    body = f"SELECT (hashint8extended(i * 131 + salt, {int(seed)}) & 2147483647)::float8 / 2147483648.0"
    cur.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.r(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS "
        f"$$ {body} $$"
    )


INCIDENT_TABLES = [
    "incidents_incident",
    "incidents_personinvolved",
    "incidents_supplement",
    "incidents_followup",
    "incidents_attachment",
]


def _drop_indexes(cur, tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes and unique constraints (not their primary keys) and return
    the statements that make them again, to run once the rows are in: one sort per index instead of
    a million inserts into each. The foreign keys go first (`_drop_foreign_keys`)."""
    cur.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.tablename, i.indexname
        """,
        [tables],
    )
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
        """,
        [tables],
    )
    unique = cur.fetchall()
    for table, name, _ in unique:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return [definition for _, definition in rows] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in unique
    ]


class _Background(threading.Thread):
    """Statements run one after the other on a connection of their own (not Django's)."""

    def __init__(self, statements: list[str]):
        super().__init__(daemon=True)
        self.statements, self.error, self.seconds = statements, None, 0.0

    def run(self) -> None:
        import psycopg
        from django.db import connection

        started = time.monotonic()
        try:
            params = {
                k: v for k, v in connection.get_connection_params().items()
                if k in ("dbname", "user", "password", "host", "port", "sslmode")
            }
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                for statement in self.statements:
                    conn.execute(statement)
        except Exception as exc:  # noqa: BLE001 - re-raised by the main thread
            self.error = exc
        self.seconds = time.monotonic() - started


def _in_background(statements: list[str]) -> _Background:
    worker = _Background(statements)
    worker.start()
    return worker


def _rebuild(cur, label: str, statements: list[str]) -> None:
    """Indexes, unique constraints, then foreign keys (each validated by one join over the indexes)."""
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    # Pending deferred checks (rows written earlier in the same transaction, e.g. inside a test's)
    # fire now: PostgreSQL refuses to ALTER a table with pending trigger events.
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    progress = Progress(label, len(statements))
    for statement in statements:
        cur.execute(statement)
        progress.advance(1)
    cur.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop_foreign_keys(cur, tables: list[str]) -> list[str]:
    """Drop the foreign keys of the tables and return the statements that add them back. Checked
    row by row (Django's are deferred: a queued trigger event per row, fired at commit), four
    million rows' checks took minutes; added back, each is validated by one join."""
    cur.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
        """,
        [tables],
    )
    rows = cur.fetchall()
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # pending checks first (see _rebuild)
    for table, name, _ in rows:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cur.execute("SET CONSTRAINTS ALL DEFERRED")
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in rows]


def _count(cur, table: str) -> int:
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608: our own table names
    return cur.fetchone()[0]


def _school_ids():
    from schools.models import School

    return School.objects.order_by("pk").values_list("pk", flat=True)


def _schools(cur, *, total: int, summary: dict) -> None:
    """Generated schools, each in the PSA, ward and (a few metres from) the place of a real school,
    the real schools taken in turn; the real ones keep their ids."""
    cur.execute("SELECT count(*) FROM schools_school")
    real = cur.fetchone()[0]
    extra = max(0, total - real)
    cur.execute(
        """
        WITH real AS (SELECT s.*, row_number() OVER (ORDER BY id) - 1 AS k FROM schools_school s),
        n AS (SELECT g, (g - 1) %% %(real)s AS k FROM generate_series(1, %(extra)s) g)
        INSERT INTO schools_school (gis_id, name, school_code, sector, address, zipcode, ward, grades,
            level_code, grade_band, latitude, longitude, psa_id, phone, principal_name, principal_phone,
            principal_email, active, data_vintage)
        SELECT 'bench_' || lpad((%(real)s + g)::text, 4, '0'), 'Bench School ' || lpad((%(real)s + g)::text, 4, '0'),
            '', real.sector, 'Near ' || real.address, real.zipcode, real.ward, real.grades, real.level_code,
            real.grade_band, real.latitude + (pg_temp.r(g, 1) - 0.5) / 1000,
            real.longitude + (pg_temp.r(g, 2) - 0.5) / 1000, real.psa_id, '', '', '', '', true, 'bench'
        FROM n JOIN real USING (k) ORDER BY g
        """,
        {"real": real, "extra": extra},
    )
    summary["schools"] = real + extra
    summary["  of them real DC schools"] = real


def _sros(cur, *, seed: int, summary: dict) -> None:
    """An SRO for every school that has none, with what `personnel.services` would have written:
    user, officer, a current SRO training, the assignment and its guardian rows."""
    cur.execute(
        """
        CREATE TEMP TABLE bench_new_sro ON COMMIT DROP AS
        SELECT s.id AS school_id, s.psa_id, 'sro.bench-' || replace(s.gis_id, '_', '-') AS username,
               row_number() OVER (ORDER BY s.id) AS n
        FROM schools_school s
        WHERE NOT EXISTS (SELECT 1 FROM personnel_assignment a WHERE a.school_id = s.id AND a.role = 'sro')
        """
    )
    cur.execute(
        f"""
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT '!', false, username, ({sql_array(FIRST)})[1 + n %% 20], ({sql_array(LAST)})[1 + (n / 20) %% 20],
               username || '@mpd.example', false, true, now()
        FROM bench_new_sro ORDER BY n
        """.replace("%%", "%")  # noqa: S608  # nosec B608: constant name lists, no input
    )
    cur.execute(
        """
        INSERT INTO personnel_officer (badge_number, rank, phone, user_id)
        SELECT 'B' || lpad(b.n::text, 6, '0'), 'officer', '', u.id
        FROM bench_new_sro b JOIN auth_user u USING (username) ORDER BY b.n
        """
    )
    cur.execute(
        """
        INSERT INTO personnel_trainingcompletion (completed_on, expires_on, recorded_at, officer_id, course_id)
        SELECT current_date - 200, current_date + 530, now(), o.id, c.id
        FROM bench_new_sro b JOIN auth_user u USING (username) JOIN personnel_officer o ON o.user_id = u.id
        CROSS JOIN personnel_trainingcourse c WHERE c.code = 'ssd-sro-basic' ORDER BY b.n
        """
    )
    cur.execute(
        """
        INSERT INTO personnel_assignment (role, starts_on, note, created_at, officer_id, school_id)
        SELECT 'sro', date_trunc('year', current_date - 213)::date + 212, 'bench', now(), o.id, b.school_id
        FROM bench_new_sro b JOIN auth_user u USING (username) JOIN personnel_officer o ON o.user_id = u.id
        ORDER BY b.n
        """
    )
    from personnel.scope import _group_roles, role_group, role_school_perms

    perms = sorted(role_school_perms("sro"))
    if "sro" in _group_roles():
        # The role's group (its declared permissions), as personnel.scope._sync_groups would.
        cur.execute(
            """
            INSERT INTO auth_user_groups (user_id, group_id)
            SELECT u.id, %s FROM bench_new_sro b JOIN auth_user u USING (username) ORDER BY b.n
            """,
            [role_group("sro").pk],
        )
    cur.execute(
        """
        INSERT INTO schools_schooluserobjectpermission (content_object_id, permission_id, user_id)
        SELECT b.school_id, p.id, u.id
        FROM bench_new_sro b JOIN auth_user u USING (username)
        JOIN auth_permission p ON p.codename = ANY(%s)
        JOIN django_content_type ct ON ct.id = p.content_type_id AND ct.app_label = 'schools' AND ct.model = 'school'
        ORDER BY b.n, p.id
        """,
        [perms],
    )
    cur.execute(
        """
        INSERT INTO schools_policedistrictuserobjectpermission (content_object_id, permission_id, user_id)
        SELECT psa.district_id, p.id, u.id
        FROM bench_new_sro b JOIN auth_user u USING (username) JOIN schools_psa psa ON psa.id = b.psa_id
        JOIN auth_permission p ON p.codename = 'view_policedistrict'
        ORDER BY b.n
        """
    )
    cur.execute("SELECT count(*) FROM bench_new_sro")
    summary["SROs generated"] = cur.fetchone()[0]


def _resync_chain_of_command() -> None:
    """Areas, districts and the division now cover the generated schools: give the chain of command
    (not the SROs, whose one school did not move) their guardian rows the services' way."""
    from personnel.models import Assignment
    from personnel.scope import scope_sync

    users = Assignment.objects.exclude(role="sro").values_list("officer__user_id", flat=True).distinct()
    for user_id in users:
        scope_sync(user_id=user_id)


def _incidents(cur, *, total: int, summary: dict) -> None:
    from django.utils import timezone

    from incidents.models import Disposition, Location
    from personnel.demo import school_year_start

    cur.execute(
        """
        CREATE TEMP TABLE bench_school ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY a.school_id) - 1 AS k, a.school_id, o.user_id AS sro_user_id
        FROM personnel_assignment a JOIN personnel_officer o ON o.id = a.officer_id
        WHERE a.role = 'sro' AND a.ends_on IS NULL AND a.id = (
            SELECT min(a2.id) FROM personnel_assignment a2 WHERE a2.school_id = a.school_id AND a2.role = 'sro')
        """
    )
    cur.execute("CREATE UNIQUE INDEX ON bench_school (k)")
    cur.execute(
        """
        CREATE TEMP TABLE bench_category ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, significant_by_default AS sig, is_weapon
        FROM incidents_incidentcategory WHERE active
        """
    )
    cur.execute("CREATE UNIQUE INDEX ON bench_category (k)")
    cur.execute("SELECT count(*) FROM bench_school")
    n_schools = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM bench_category")
    n_categories = cur.fetchone()[0]
    today = timezone.localdate()
    start = school_year_start(today).replace(year=school_year_start(today).year - 9)
    params = {
        "start": start,
        "span": (today - start).days + 1,
        "n_schools": n_schools,
        "n_categories": n_categories,
        "locations": list(Location.values),
        "dispositions": list(Disposition.values),
    }
    # When each incident happened and was reported, as functions of its row number, so the report
    # numbers can be worked out before the rows are written: sequential per year in created order
    # (created_at is reported_at; ids follow the row number), each year's counter at its last, as the
    # service leaves them. Numbering the rows with an UPDATE afterwards wrote every row twice more and
    # left two thirds of the table's pages empty; a sequential scan starting among them (where
    # synchronize_seqscans put it) read ~700 MB of nothing, the search tail of bench/results.md
    # (12/03/2026, fifth session). Ten school years back from now; school days' hours (07:00-17:00
    # New York), on the minute, so equal occurred_at values happen (the pagination must break ties).
    cur.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.occurred(i bigint, start date, span int) RETURNS timestamptz "
        "LANGUAGE sql STABLE AS $$ SELECT least(now() - interval '1 hour', (start + floor(pg_temp.r(i, 2) * span)::int"
        " + time '07:00' + floor(pg_temp.r(i, 16) * 600)::int * interval '1 minute') AT TIME ZONE 'America/New_York')"
        " $$"
    )
    cur.execute(
        "CREATE OR REPLACE FUNCTION pg_temp.reported(i bigint, start date, span int) RETURNS timestamptz "
        "LANGUAGE sql STABLE AS $$ SELECT pg_temp.occurred(i, start, span)"
        " + (pg_temp.r(i, 4) * 180)::int * interval '1 minute' $$"
    )
    cur.execute(
        """
        CREATE TEMP TABLE bench_seq ON COMMIT DROP AS
        SELECT i, year, row_number() OVER (PARTITION BY year ORDER BY reported, i) AS seq
        FROM (SELECT i, reported, extract(year FROM reported AT TIME ZONE 'America/New_York')::int AS year
              FROM (SELECT i, pg_temp.reported(i, %(start)s::date, %(span)s::int) AS reported
                    FROM generate_series(1, %(total)s) i) t) y
        """,
        {**params, "total": total},
    )
    cur.execute("CREATE UNIQUE INDEX ON bench_seq (i)")
    progress = Progress("incidents", total)
    for lo in range(1, total + 1, CHUNK):
        hi = min(total, lo + CHUNK - 1)
        cur.execute(
            f"""
            INSERT INTO incidents_incident (occurred_at, reported_at, location, location_detail, significant,
                significant_reason, significance_source, significant_at, weapons_involved, weapons_description,
                injuries, injuries_description, arrests, referrals, ccn, narrative, status, disposition, version,
                idempotency_key, created_at, updated_at, submitted_at, reviewed_at, closed_at, author_id,
                school_id, category_id, report_year, report_seq)
            SELECT occurred_at, reported_at, loc, '', sig, CASE WHEN sig THEN 'Category or facts rule' ELSE '' END,
                CASE WHEN sig THEN 'rule' ELSE '' END, CASE WHEN sig THEN reported_at END,
                cat_weapon, CASE WHEN cat_weapon THEN 'Described in the narrative' ELSE '' END,
                injuries, CASE WHEN injuries THEN 'Minor' ELSE '' END, arrests, referrals, ccn, narrative,
                status, CASE WHEN status = 'closed' THEN disposition ELSE '' END, 1,
                md5('bench-' || i)::uuid, reported_at,
                CASE WHEN status IN ('approved', 'closed', 'returned') THEN reported_at + interval '1 day'
                     ELSE reported_at END,
                CASE WHEN status <> 'draft' THEN reported_at END,
                CASE WHEN status IN ('approved', 'closed', 'returned') THEN reported_at + interval '1 day' END,
                CASE WHEN status = 'closed' THEN reported_at + interval '1 day' END,
                sro_user_id, school_id, category_id,
                year, seq
            FROM (
                SELECT i, occurred_at, pg_temp.reported(i, %(start)s::date, %(span)s::int) AS reported_at,
                    (%(locations)s::text[])[1 + floor(pg_temp.r(i, 5) * cardinality(%(locations)s::text[]))::int]
                        AS loc,
                    c.sig OR arrests > 0 AS sig, c.is_weapon AS cat_weapon, pg_temp.r(i, 6) < 0.15 AS injuries,
                    arrests, (pg_temp.r(i, 7) < 0.3)::int AS referrals,
                    CASE WHEN pg_temp.r(i, 8) < 0.3 THEN to_char(occurred_at, 'YY')
                        || lpad(floor(pg_temp.r(i, 9) * 1000000)::text, 6, '0') ELSE '' END AS ccn,
                    ({sql_array(OPENINGS)})[1 + floor(pg_temp.r(i, 10) * {len(OPENINGS)})::int] || ' '
                    || ({sql_array(EVENTS)})[1 + floor(pg_temp.r(i, 11) * {len(EVENTS)})::int] || '. '
                    || ({sql_array(OUTCOMES)})[1 + floor(pg_temp.r(i, 12) * {len(OUTCOMES)})::int]
                    || ' Ref ' || i || '.' AS narrative,
                    CASE
                        WHEN occurred_at > now() - interval '21 days' THEN
                            (ARRAY['draft', 'submitted', 'submitted', 'returned', 'approved'])
                            [1 + floor(pg_temp.r(i, 13) * 5)::int]
                        WHEN pg_temp.r(i, 13) < 0.8 THEN 'closed' ELSE 'approved' END AS status,
                    (%(dispositions)s::text[])[1 + floor(pg_temp.r(i, 14) * cardinality(%(dispositions)s::text[]))::int]
                        AS disposition,
                    s.sro_user_id, s.school_id, c.id AS category_id
                FROM (
                    SELECT i,
                        -- the school: skewed, a few schools far busier than most (as in life)
                        floor(power(pg_temp.r(i, 1), 1.6) * %(n_schools)s)::int AS sk,
                        floor(pg_temp.r(i, 3) * %(n_categories)s)::int AS ck,
                        CASE WHEN pg_temp.r(i, 15) < 0.06 THEN 1 ELSE 0 END AS arrests,
                        pg_temp.occurred(i, %(start)s::date, %(span)s::int) AS occurred_at
                    FROM generate_series(%(lo)s, %(hi)s) i
                ) g
                JOIN bench_school s ON s.k = g.sk
                JOIN bench_category c ON c.k = g.ck
            ) x
            JOIN bench_seq USING (i)
            ORDER BY i
            """,  # noqa: S608  # nosec B608: constant phrase lists, values bound
            {**params, "lo": lo, "hi": hi},
        )
        progress.advance(hi - lo + 1)
    cur.execute(
        """
        INSERT INTO incidents_reportcounter (year, last)
        SELECT report_year, max(report_seq) FROM incidents_incident GROUP BY report_year
        ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last
        """
    )
    summary["incidents"] = total


def _children(cur, *, summary: dict) -> None:
    cur.execute("SELECT min(id), max(id) FROM incidents_incident")
    first, last = cur.fetchone()
    steps = [
        (
            "people involved",
            f"""
            INSERT INTO incidents_personinvolved (role, person_type, juvenile, name, grade, description, added_at,
                                                  added_by_id, incident_id)
            SELECT (ARRAY['offender','victim','witness','reporting'])[1 + floor(pg_temp.r(i.id * 4 + g, 20) * 4)::int],
                CASE WHEN pg_temp.r(i.id * 4 + g, 21) < 0.7 THEN 'student'
                     ELSE (ARRAY['staff','visitor','other'])[1 + floor(pg_temp.r(i.id * 4 + g, 22) * 3)::int] END,
                pg_temp.r(i.id * 4 + g, 21) < 0.7,
                ({sql_array(FIRST)})[1 + floor(pg_temp.r(i.id * 4 + g, 23) * 20)::int] || ' '
                    || ({sql_array(LAST)})[1 + floor(pg_temp.r(i.id * 4 + g, 24) * 20)::int],
                CASE WHEN pg_temp.r(i.id * 4 + g, 21) < 0.7 THEN (6 + floor(pg_temp.r(i.id * 4 + g, 25) * 7)::int)::text
                     ELSE '' END,
                '', i.reported_at, i.author_id, i.id
            FROM incidents_incident i CROSS JOIN LATERAL generate_series(1, 1 + floor(pg_temp.r(i.id, 26) * 3)::int) g
            WHERE i.id BETWEEN %(lo)s AND %(hi)s ORDER BY i.id, g
            """,  # noqa: S608  # nosec B608: constant name lists, values bound
        ),
        (
            "supplements",
            """
            INSERT INTO incidents_supplement (at, text, author_id, incident_id)
            SELECT i.reported_at + interval '2 days', 'Supplement: follow-up interview completed; statement attached.',
                   i.author_id, i.id
            FROM incidents_incident i
            WHERE i.id BETWEEN %(lo)s AND %(hi)s AND i.status <> 'draft' AND pg_temp.r(i.id, 30) < 0.1 ORDER BY i.id
            """,
        ),
        (
            "follow-ups",
            """
            INSERT INTO incidents_followup (due_on, status, task, notes, outcome, created_at, completed_at, version,
                                            assigned_to_id, created_by_id, incident_id)
            SELECT due, st, 'Interview witnesses and obtain camera footage', '',
                   CASE WHEN st = 'done' THEN 'Completed; see supplement.' ELSE '' END,
                   f.reported_at, CASE WHEN st IN ('done', 'cancelled') THEN f.reported_at + interval '7 days' END, 1,
                   o.id, f.author_id, f.id
            FROM (
                SELECT i.*, (i.occurred_at AT TIME ZONE 'America/New_York')::date + 14 AS due,
                    CASE WHEN i.occurred_at > now() - interval '60 days' OR pg_temp.r(i.id, 31) < 0.02
                         THEN (ARRAY['open','in_progress'])[1 + floor(pg_temp.r(i.id, 32) * 2)::int]
                         WHEN pg_temp.r(i.id, 32) < 0.9 THEN 'done' ELSE 'cancelled' END AS st
                FROM incidents_incident i
                WHERE i.id BETWEEN %(lo)s AND %(hi)s AND i.status <> 'draft' AND pg_temp.r(i.id, 33) < 0.05
            ) f JOIN personnel_officer o ON o.user_id = f.author_id ORDER BY f.id
            """,
        ),
        (
            "attachments",
            """
            INSERT INTO incidents_attachment (file, original_name, content_type, size, sha256, description,
                                              uploaded_at, uploaded_by_id, incident_id)
            SELECT 'bench/' || i.id || '.jpg', 'photo.jpg', 'image/jpeg',
                   20000 + floor(pg_temp.r(i.id, 40) * 2000000)::int,
                   encode(sha256(('bench-' || i.id)::bytea), 'hex'), 'Scene photo', i.reported_at, i.author_id, i.id
            FROM incidents_incident i
            WHERE i.id BETWEEN %(lo)s AND %(hi)s AND pg_temp.r(i.id, 41) < 0.05 ORDER BY i.id
            """,
        ),
    ]
    for label, sql in steps:
        progress = Progress(label, last - first + 1)
        for lo in range(first, last + 1, CHUNK):
            hi = min(last, lo + CHUNK - 1)
            cur.execute(sql, {"lo": lo, "hi": hi})
            progress.advance(hi - lo + 1)
        table = {
            "people involved": "incidents_personinvolved",
            "supplements": "incidents_supplement",
            "follow-ups": "incidents_followup",
            "attachments": "incidents_attachment",
        }[label]
        summary[label] = _count(cur, table)


# --- notifications: the significant incidents' events, inboxes and alerts -----------------------------

NOTIFICATION_TABLES = [
    "notifications_outboxevent",
    "notifications_alert",
    "notifications_notification",
    "notifications_timelineentry",
]
# Spillover warnings (the in-app note to the SROs at the PSA's other schools) for the last year only:
# at 2,000 schools a PSA holds ~36 of them (eight times DC's own density), so ten years of warnings
# would be ~10 million rows, more than the rest of the division's notifications together.
SPILLOVER_DAYS = 365


def _notifications(cur, *, summary: dict) -> None:
    """What `notifications.services` would have written for every significant incident that left
    draft: its outbox event (processed), an in-app/email/SMS row per recipient of its routes (the
    `notifications_route` rows of `incidents.significant`, as `routing.recipients_for` reads them),
    the alert (acknowledged by a sergeant within minutes, ~4% escalated to the lieutenant and ~1%
    on to the commander before someone acknowledged, the last day's partly still open), the
    escalations' own events and rows, and the timeline entries (notified, escalated,
    acknowledged)."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType

    from incidents.models import Incident

    ct = ContentType.objects.get_for_model(Incident).pk
    minutes = settings.SSD_ESCALATE_AFTER_MINUTES
    escalation_channels = list(settings.SSD_ESCALATION_CHANNELS)
    progress = Progress("notifications", 7)
    # Who holds each post over each school (an active assignment, an active account), by audience:
    # the kind's own audiences (incidents.notifications.AUDIENCE_ROLES), in its order of precedence.
    cur.execute(
        """
        CREATE TEMP TABLE bench_post ON COMMIT DROP AS
        WITH a AS (
            SELECT a.role, a.school_id, a.district_id, a.area_id, o.user_id
            FROM personnel_assignment a JOIN personnel_officer o ON o.id = a.officer_id
            JOIN auth_user u ON u.id = o.user_id AND u.is_active
            WHERE a.starts_on <= current_date AND (a.ends_on IS NULL OR a.ends_on >= current_date)
        ), s AS (
            SELECT s.id AS school_id, s.psa_id, p.district_id, d.area_id
            FROM schools_school s JOIN schools_psa p ON p.id = s.psa_id
            JOIN schools_policedistrict d ON d.id = p.district_id
        )
        SELECT s.school_id, 1 AS rank, 'sergeant' AS audience, a.user_id
            FROM s JOIN a ON a.role = 'sergeant' AND a.district_id = s.district_id
        UNION ALL SELECT s.school_id, 2, 'lieutenant', a.user_id
            FROM s JOIN a ON a.role = 'lieutenant' AND a.area_id = s.area_id
        UNION ALL SELECT s.school_id, 3, 'commander', a.user_id FROM s JOIN a ON a.role = 'commander'
        UNION ALL SELECT s.school_id, 4, 'district_commander', a.user_id
            FROM s JOIN a ON a.role = 'district_commander' AND a.district_id = s.district_id
        UNION ALL SELECT s.school_id, 5, 'watch_commander', a.user_id
            FROM s JOIN a ON a.role = 'watch_commander' AND a.district_id = s.district_id
        UNION ALL SELECT s.school_id, 6, 'psa_sros', a.user_id
            FROM s JOIN schools_school o ON o.psa_id = s.psa_id AND o.id <> s.school_id
            JOIN a ON a.role = 'sro' AND a.school_id = o.id
        """
    )
    # Per (school, category): each (person, channel) once, for the first audience that reaches them
    # (as recipients_for does). Categories with routes of their own (the commander's) get their own
    # rows; every other category shares the '' ones.
    cur.execute(
        """
        CREATE TEMP TABLE bench_recipient ON COMMIT DROP AS
        WITH cats AS (
            SELECT DISTINCT category FROM notifications_route WHERE kind = 'incidents.significant' AND active
        )
        SELECT DISTINCT ON (p.school_id, c.category, p.user_id, r.channel)
            p.school_id, c.category, p.user_id, p.audience, r.channel, p.rank
        FROM cats c
        JOIN notifications_route r ON r.kind = 'incidents.significant' AND r.active AND r.category IN ('', c.category)
        JOIN bench_post p ON p.audience = r.audience
        ORDER BY p.school_id, c.category, p.user_id, r.channel, p.rank
        """
    )
    cur.execute("CREATE INDEX ON bench_recipient (school_id, category)")
    cur.execute("ANALYZE bench_recipient")
    # The first of each post, who acknowledges: a sergeant, the lieutenant, the commander.
    cur.execute(
        """
        CREATE TEMP TABLE bench_acker ON COMMIT DROP AS
        SELECT school_id,
            min(user_id) FILTER (WHERE audience = 'sergeant') AS sergeant,
            min(user_id) FILTER (WHERE audience = 'lieutenant') AS lieutenant,
            min(user_id) FILTER (WHERE audience = 'commander') AS commander
        FROM bench_post GROUP BY school_id
        """
    )
    progress.advance(1)
    foreign_keys = _drop_foreign_keys(cur, NOTIFICATION_TABLES)
    dropped = _drop_indexes(cur, NOTIFICATION_TABLES)
    # Level 0: one event per significant incident that left draft, processed two seconds later; the
    # alert's fate drawn now: level reached before the acknowledgement (0, 1, 2) and minutes taken.
    cur.execute(
        """
        CREATE TEMP TABLE bench_event ON COMMIT DROP AS
        SELECT i.id AS incident_id, i.school_id, c.code AS category, i.author_id,
            coalesce(i.significant_at, i.submitted_at) AS at,
            CASE WHEN u < 0.95 THEN 0 WHEN u < 0.99 THEN 1 ELSE 2 END AS reached,
            -- the last day's alerts: a third still open (escalated as far as their age allows)
            coalesce(i.significant_at, i.submitted_at) > now() - interval '1 day' AND pg_temp.r(i.id, 51) < 0.33 AS open
        FROM (SELECT i.*, pg_temp.r(i.id, 50) AS u FROM incidents_incident i) i
        JOIN incidents_incidentcategory c ON c.id = i.category_id
        WHERE i.significant AND i.status <> 'draft'
        """
    )
    cur.execute(
        f"""
        UPDATE bench_event SET reached = CASE
            WHEN at <= now() - interval '{2 * minutes} minutes' THEN 2
            WHEN at <= now() - interval '{minutes} minutes' THEN 1 ELSE 0 END
        WHERE open
        """  # noqa: S608  # nosec B608: an int setting, no input
    )
    cur.execute(
        """
        INSERT INTO notifications_outboxevent (kind, subject_type_id, subject_id, school_id, category, dedupe_key,
                                               level, by_id, created_at, processed_at)
        SELECT 'incidents.significant', %(ct)s, e.incident_id, e.school_id, e.category, 'incident-' || e.incident_id,
               lvl, e.author_id, e.at + lvl * %(step)s, e.at + lvl * %(step)s + interval '2 seconds'
        FROM bench_event e CROSS JOIN LATERAL generate_series(0, e.reached) lvl
        ORDER BY e.at, e.incident_id, lvl
        """,
        {"ct": ct, "step": dt.timedelta(minutes=minutes)},
    )
    progress.advance(1)
    cur.execute(
        """
        CREATE TEMP TABLE bench_ev ON COMMIT DROP AS
        SELECT ev.id, ev.level, ev.created_at, e.* FROM notifications_outboxevent ev
        JOIN bench_event e ON e.incident_id = ev.subject_id
        WHERE ev.kind = 'incidents.significant' AND ev.subject_type_id = %(ct)s
        """,
        {"ct": ct},
    )
    # The alert: acknowledged (by who the level reached: sergeant, lieutenant, commander) a few
    # minutes after it got there, or still open.
    cur.execute(
        """
        INSERT INTO notifications_alert (event_id, kind, subject_type_id, subject_id, raised_at, level, level_at,
                                         acknowledged_at, acknowledged_by_id)
        SELECT ev.id, 'incidents.significant', %(ct)s, ev.incident_id, ev.at, ev.reached,
               ev.at + ev.reached * %(step)s, ack.at, w.by
        FROM bench_ev ev LEFT JOIN bench_acker k USING (school_id)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN NOT ev.open THEN
                coalesce((ARRAY[k.sergeant, k.lieutenant, k.commander])[1 + ev.reached], k.commander) END AS by
        ) w
        CROSS JOIN LATERAL (
            SELECT CASE WHEN w.by IS NOT NULL THEN ev.at + ev.reached * %(step)s
                        + (1 + floor(pg_temp.r(ev.incident_id, 52) * 13)::int) * interval '1 minute' END AS at
        ) ack
        WHERE ev.level = 0
        ORDER BY ev.id
        """,
        {"ct": ct, "step": dt.timedelta(minutes=minutes)},
    )
    progress.advance(1)
    # The inboxes: level 0 by the routes (spillover only for the last SPILLOVER_DAYS), each
    # escalation to its step's audience by SSD_ESCALATION_CHANNELS. In-app rows are delivered when
    # written; email and SMS sent seconds later. Read (and the acknowledger's row acknowledged) after.
    cur.execute(
        f"""
        INSERT INTO notifications_notification (event_id, recipient_id, channel, audience, status, attempts,
            last_error, claimed_by, claimed_at, created_at, sent_at, failed_at, read_at, acknowledged_at)
        SELECT n.id, n.user_id, n.channel, n.audience, 'sent', CASE WHEN n.channel = 'in_app' THEN 0 ELSE 1 END,
            '', '', NULL, n.created_at + interval '2 seconds',
            n.created_at + CASE WHEN n.channel = 'in_app' THEN interval '2 seconds' ELSE interval '9 seconds' END,
            NULL,
            CASE WHEN n.channel <> 'in_app' THEN NULL
                 WHEN n.acked THEN n.ack_at
                 WHEN n.created_at < now() - interval '7 days' AND pg_temp.r(n.id * 7 + n.user_id, 53) < 0.8
                     THEN n.created_at + (1 + floor(pg_temp.r(n.id * 7 + n.user_id, 54) * 48)::int) * interval '1 hour'
            END,
            CASE WHEN n.acked THEN n.ack_at END
        FROM (
            SELECT ev.id, ev.created_at, r.user_id, r.channel, r.audience,
                r.channel = 'in_app' AND a.acknowledged_by_id = r.user_id AND ev.level = a.level AS acked,
                a.acknowledged_at AS ack_at
            FROM bench_ev ev JOIN notifications_alert a ON a.subject_id = ev.incident_id AND a.subject_type_id = %(ct)s
            JOIN bench_recipient r ON r.school_id = ev.school_id AND r.category = CASE WHEN EXISTS (
                SELECT 1 FROM bench_recipient r2 WHERE r2.school_id = ev.school_id AND r2.category = ev.category)
                THEN ev.category ELSE '' END
            WHERE ev.level = 0 AND r.user_id <> ev.author_id
              AND (r.audience <> 'psa_sros' OR ev.created_at > now() - interval '{SPILLOVER_DAYS} days')
            UNION ALL
            SELECT ev.id, ev.created_at, x.user_id, ch.channel,
                CASE ev.level WHEN 1 THEN 'lieutenant' ELSE 'commander' END,
                ch.channel = 'in_app' AND a.acknowledged_by_id = x.user_id AND ev.level = a.level,
                a.acknowledged_at
            FROM bench_ev ev JOIN notifications_alert a ON a.subject_id = ev.incident_id AND a.subject_type_id = %(ct)s
            JOIN bench_post x ON x.school_id = ev.school_id
                AND x.audience = CASE ev.level WHEN 1 THEN 'lieutenant' ELSE 'commander' END
            CROSS JOIN unnest(%(channels)s::text[]) ch(channel)
            WHERE ev.level > 0
        ) n
        ORDER BY n.id, n.user_id, n.channel
        """,  # noqa: S608  # nosec B608: an int constant, values bound
        {"ct": ct, "channels": escalation_channels},
    )
    progress.advance(1)
    cur.execute(
        f"""
        INSERT INTO notifications_timelineentry (subject_type_id, subject_id, at, kind, actor_id, detail)
        SELECT %(ct)s, t.incident_id, t.at, t.kind, t.actor, t.detail FROM (
            SELECT ev.incident_id, ev.created_at + interval '2 seconds' AS at, 'notified' AS kind, NULL::int AS actor,
                CASE WHEN ev.level = 0 THEN 'Notified: the sergeants of the district, the lieutenant of the area, '
                     || 'the district and watch commanders.'
                     WHEN ev.level = 1 THEN 'Escalation sent to: the lieutenant of the area.'
                     ELSE 'Escalation sent to: the commander of the division.' END AS detail, ev.id, 1 AS o
            FROM bench_ev ev
            UNION ALL
            SELECT ev.incident_id, ev.created_at, 'escalated', NULL,
                CASE WHEN ev.level = 1 THEN 'Escalated to the lieutenant of the area: no sergeant acknowledged '
                     || 'within {minutes} minutes.'
                     ELSE 'Escalated to the commander: nobody acknowledged within {minutes} minutes.' END, ev.id, 0
            FROM bench_ev ev WHERE ev.level > 0
            UNION ALL
            SELECT a.subject_id, a.acknowledged_at, 'acknowledged', a.acknowledged_by_id,
                'Alert acknowledged by the chain of command: no further escalation.', a.event_id, 2
            FROM notifications_alert a WHERE a.acknowledged_at IS NOT NULL AND a.subject_type_id = %(ct)s
        ) t
        ORDER BY t.at, t.id, t.o
        """,  # noqa: S608  # nosec B608: an int constant, values bound
        {"ct": ct},
    )
    progress.advance(1)
    _rebuild(cur, "  indexes", dropped + foreign_keys)
    progress.advance(1)
    for label, table in (
        ("outbox events", "notifications_outboxevent"),
        ("alerts", "notifications_alert"),
        ("notifications (inbox, email, SMS)", "notifications_notification"),
        ("timeline entries", "notifications_timelineentry"),
    ):
        summary[label] = _count(cur, table)
    cur.execute("SELECT count(*) FROM notifications_alert WHERE acknowledged_at IS NULL")
    summary["  of the alerts still open"] = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM notifications_alert WHERE level > 0")
    summary["  of the alerts escalated"] = cur.fetchone()[0]
    progress.advance(1)


def _extensions():
    """`generate(conn, *, schools, seed, scale)` from every bench/generate_<name>.py present."""
    for path in sorted(HERE.glob("generate_*.py")):
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        fn = getattr(module, "generate", None)
        if callable(fn):
            yield path.stem, fn


if __name__ == "__main__":
    sys.exit(main())
