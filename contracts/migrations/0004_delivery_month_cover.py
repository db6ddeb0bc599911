"""The monthly report's rollup reads as index-only scans (issue 15), PostgreSQL only.

The report (and the commander's compliance panel, which shows last month's) reads a month of the
per-(post, day) rollup twice: the delivered minutes, and the staffed post-days joined to their posts
(~41,000 rows a month for 2,000 posts). With the columns it reads (post, minutes) in the (contract,
date) index, under the same name, both are index-only scans of the month's range instead of visits
to the heap for every row.

Django's state keeps the plain (contract, date) index (SQLite has no INCLUDE), as incidents 0012
does. `minutes` in an index makes the shift services' upserts of a row non-HOT updates: one more
index entry per shift write, against a report that reads no heap page of the rollup."""

from django.db import migrations

from ssd.migration_ops import postgresql_only

FORWARD = [
    "CREATE INDEX postdaydelivery_month_cover ON contracts_postdaydelivery (contract_id, date) "
    "INCLUDE (post_id, minutes)",
    "DROP INDEX postdaydelivery_month",
    "ALTER INDEX postdaydelivery_month_cover RENAME TO postdaydelivery_month",
]
REVERSE = [
    "DROP INDEX postdaydelivery_month",
    "CREATE INDEX postdaydelivery_month ON contracts_postdaydelivery (contract_id, date)",
]


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_inspection_photos")]

    operations = [postgresql_only(FORWARD, REVERSE)]
