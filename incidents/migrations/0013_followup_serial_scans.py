"""Follow-ups are read without parallel workers (PostgreSQL only; a storage parameter, no data).

The overdue follow-ups of a supervisor's scope (the home page's per-officer panel, the lieutenant's
per-district counts) are the open ones past due, found through `followup_status_due_id`, each joined
to its incident for the scope. At 1M incidents (50,000 follow-ups, just over the 8 MB at which the
planner considers a parallel scan) the planner preferred a parallel sequential scan of every
follow-up with the incident lookups split over two processes: more CPU in all, a worker to start per
request, and slower than the serial plan on this 2-core machine (issue 15: ~50 against ~90 ms under
load, median of 7 alternating runs). The table stays small beside the incidents; its reads are
lookups, never a scan worth parallelising.
"""

from django.db import migrations

from ssd.migration_ops import postgresql_only


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_report_covering_indexes")]

    operations = [
        postgresql_only(
            ["ALTER TABLE incidents_followup SET (parallel_workers = 0)"],
            ["ALTER TABLE incidents_followup RESET (parallel_workers)"],
        ),
    ]
