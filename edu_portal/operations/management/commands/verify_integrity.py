"""``manage.py verify_integrity``: every published page and ledgered object against the
integrity ledger, and the ledger's MAC chain. Exits 1 listing what is changed, missing or
unexpected. ``--baseline`` records an existing installation's current state first."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from edu_portal.accounts.audit import actor_context
from edu_portal.operations.ledger.runs import LedgerExists, record_baseline, run_verification
from edu_portal.operations.models import LedgerEntry, Trigger
from edu_portal.storage import StorageError


class Command(BaseCommand):
    help = (
        "Check published pages and stored objects against the integrity ledger "
        "(exit 1 naming each changed, missing or unexpected item)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="record every live page and stored object as they are now, for an "
            "installation that ran before the ledger existed (refused if it has entries)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="with --baseline: do nothing when the ledger has entries already (for "
            "install scripts, run after every migrate)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="with --baseline: record over an existing ledger, accepting every change "
            "made since as the platform's own",
        )

    def handle(self, *args, **options) -> None:
        for option in ("force", "if_empty"):
            if options[option] and not options["baseline"]:
                flag = "--" + option.replace("_", "-")
                raise CommandError(f"{flag} only goes with --baseline.")
        if options["force"] and options["if_empty"]:
            raise CommandError("--force and --if-empty contradict each other: choose one.")
        if options["baseline"] and options["if_empty"] and LedgerEntry.objects.exists():
            self.stdout.write("The integrity ledger has entries already: no baseline needed.")
            return
        try:
            with actor_context(None):
                if options["baseline"]:
                    self._baseline(options["force"])
                    return
                run = run_verification(Trigger.MANUAL)
        except StorageError as exc:
            raise CommandError(f"Cannot read the object store: {exc}") from None
        for finding in run.findings:
            problem, kind = finding["problem"], finding["kind"]
            self.stdout.write(f"{problem:<10} {kind:<6} {finding['ref']}  {finding['detail']}")
        summary = (
            f"{run.checked} items checked: {run.changed} changed, {run.missing} missing, "
            f"{run.unexpected} unexpected; ledger chain {'intact' if run.chain_ok else 'BROKEN'}"
        )
        if run.findings or not run.chain_ok:
            raise CommandError(summary)
        self.stdout.write(summary)

    def _baseline(self, force: bool) -> None:
        try:
            run = record_baseline(force=force)
        except LedgerExists:
            raise CommandError(
                "The integrity ledger already has entries: a baseline now would accept every "
                "change made since they were recorded. Run verify_integrity first, and add "
                "--force only if its findings are all the platform's own work."
            ) from None
        self.stdout.write(f"Baseline recorded: {run.checked} items.")
