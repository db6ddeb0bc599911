from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from crime.importer import CrimeFileError
from crime.services import crime_import_file, fetch_source


class Command(BaseCommand):
    help = (
        "Load Open Data DC crime-incident CSVs (plain or .gz; a path or an http(s) URL), upserting by CCN. "
        "Bad rows are reported with their line numbers; the rest import."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--quiet-rows", action="store_true", help="print the summary only, not each bad row")

    def handle(self, *args, paths, quiet_rows=False, **options):
        failed = []
        for source in paths:
            started = time.perf_counter()
            try:
                path = fetch_source(source)
                report = crime_import_file(path, source=source.rsplit("/", 1)[-1])
            except CrimeFileError as exc:
                self.stderr.write(f"{source}: {exc}")
                failed.append(source)
                continue
            if not quiet_rows:
                for line in report.details():
                    self.stdout.write(f"  {line}")
            self.stdout.write(f"{report.summary()} in {time.perf_counter() - started:.1f} s")
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be read: {', '.join(failed)}")
