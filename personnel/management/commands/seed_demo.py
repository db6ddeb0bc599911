from __future__ import annotations

import contextlib
import json
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from personnel.demo import describe_accounts, post_label, seed_demo
from personnel.models import Role
from schools.importer import ImportFailed


class Command(BaseCommand):
    help = (
        "Create the demo division (Commander Jordan, lieutenants, sergeants, SROs, contract roles, ...) "
        "through the services. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="set every demo account's password to this (existing accounts too); "
            "without it, new accounts get a random password, printed once",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print only a JSON list of the demo accounts on stdout"
        )

    def handle(self, *args, password: str | None, as_json: bool, **options):
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("--password: " + " ".join(exc.messages)) from exc
        try:
            if as_json:
                # stdout carries only the JSON: anything a step prints (the console email backend
                # of development, say) goes to stderr instead.
                with contextlib.redirect_stdout(getattr(self.stderr, "_out", sys.stderr)):
                    result = seed_demo(password=password)
            else:
                result = seed_demo(password=password)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(str(exc)) from exc
        if as_json:
            self._print_json(result)
        else:
            self._print_table(result)

    def _print_json(self, result) -> None:
        accounts = describe_accounts(result)
        self.stdout.write(json.dumps(accounts, indent=2))
        for line in result.log:
            self.stderr.write(line)
        if result.new_passwords:
            # stdout carries only the JSON; the one-time passwords go to the terminal on stderr.
            self.stderr.write("New demo accounts and their passwords (shown once):")
            for username, pw in result.new_passwords.items():
                self.stderr.write(f"  {username}  {pw}")

    def _print_table(self, result) -> None:
        for line in result.log:
            self.stdout.write(line)
        if result.created:
            summary = ", ".join(f"{n} {kind}" for kind, n in result.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo division: created/updated {summary}."))
        else:
            self.stdout.write("Demo division is up to date: nothing changed.")
        names = [a.username for a in result.accounts] + [e["username"] for e in result.extra_accounts]
        width = max(len(n) for n in names) if names else 10
        self.stdout.write("")
        self.stdout.write(f"{'username'.ljust(width)}  {'name'.ljust(28)}  {'role'.ljust(26)}  post")
        for account in result.accounts:
            officer = result.officers[account.username]
            line = (
                f"{account.username.ljust(width)}  {str(officer)[:28].ljust(28)}  "
                f"{Role(account.role).label[:26].ljust(26)}  {post_label(account)}"
            )
            if account.username in result.new_passwords:
                line += f"  password: {result.new_passwords[account.username]}"
            self.stdout.write(line)
        for extra in result.extra_accounts:
            line = (
                f"{extra['username'].ljust(width)}  {extra['name'][:28].ljust(28)}  "
                f"{_role_label(extra['role'])[:26].ljust(26)}  {extra.get('post') or _extra_post(extra)}"
            )
            if extra["username"] in result.new_passwords:
                line += f"  password: {result.new_passwords[extra['username']]}"
            self.stdout.write(line)
        self.stdout.write("")
        if result.password is not None:
            self.stdout.write("Every demo account's password is the one given with --password.")
        elif result.new_passwords:
            self.stdout.write(
                self.style.WARNING("The passwords above are shown only once. Re-run with --password to set them all.")
            )
        else:
            self.stdout.write("Existing accounts keep their passwords; re-run with --password P to reset them all.")



def _role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role.replace("_", " ").capitalize()


def _extra_post(extra: dict) -> str:
    if extra["schools"]:
        return ", ".join(extra["schools"])
    if extra["districts"]:
        return ", ".join(extra["districts"])
    return extra["area"] or "whole division"
