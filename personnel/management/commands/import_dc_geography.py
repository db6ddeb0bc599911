from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from personnel.services import geography_import
from schools.importer import ImportFailed


class Command(BaseCommand):
    # Personnel's command, not schools': an import that changes the geography must re-derive every
    # user's scope in the same transaction, and schools sits below personnel.
    help = "Import DC police districts, PSAs and public schools (Open Data DC files) from a folder. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(settings.SSD_DATA_DIR),
            help="folder holding the data files (default: %(default)s)",
        )

    def handle(self, *args, path: str, **options):
        try:
            report = geography_import(data_dir=Path(path))
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(str(exc)) from exc
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if not report.changed:
            self.stdout.write("DC geography is up to date: nothing changed.")
            return
        parts = [f"{n} {kind} created" for kind, n in report.created.items()]
        parts += [f"{n} {kind} updated" for kind, n in report.updated.items()]
        self.stdout.write(self.style.SUCCESS("Imported DC geography: " + ", ".join(parts) + "."))
