"""manage.py export: the project page's export, from the command line (run by the server's administrator)."""

import shutil
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.exports.atomic import atomic_output
from annotator.exports.formats import FORMATS
from annotator.models import Export, Project
from annotator.selectors.exports import STATUS_FILTERS
from annotator.services.exports import export_create, export_path


class Command(BaseCommand):
    help = ("Export a project's codes (CASME II-style xlsx/csv, MEGC composite or spotting CSV, ELAN, Label Studio "
            "JSON); logged like an export from the project page. Only subjects with recorded consent, unless "
            "--consent-override gives a written reason.")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--out", required=True, help="Where to copy the export file.")
        parser.add_argument("--status", default="reviewed", choices=sorted(STATUS_FILTERS))
        parser.add_argument("--coder", help="Only this coder's codes (username).")
        parser.add_argument("--subject", help="Only this subject (code).")
        parser.add_argument("--dataset", help="Only clips of this source dataset.")
        parser.add_argument("--consent-override", default="", help="Written reason to include subjects without "
                                                                    "recorded consent (logged).")

    def handle(self, *args, **options):
        key = options["project"]
        project = (Project.objects.filter(pk=int(key)).first() if key.isdigit() else None) \
            or Project.objects.filter(name=key).first()
        if project is None:
            raise CommandError(f"No project named {key!r}.")
        filters = {name: options[name] for name in ("status", "coder", "subject", "dataset")}
        try:
            export = export_create(project=project, user=None, format=options["format"], filters=filters,
                                   consent_override=options["consent_override"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        if export.status == Export.Status.PENDING:
            self.stdout.write(f"export {export.pk} is large: queued as job {export.job_id}")
            return
        if export.status != Export.Status.READY:
            raise CommandError(f"export {export.pk} failed: {export.error}")
        with atomic_output(Path(options["out"])) as temporary:
            shutil.copyfile(export_path(export), temporary)
        if export.subjects_excluded:
            self.stderr.write(f"left out {len(export.subjects_excluded)} subject(s) without recorded consent: "
                              f"{', '.join(export.subjects_excluded)}")
        self.stdout.write(self.style.SUCCESS(f"export {export.pk}: {export.row_count} rows -> {options['out']}"))
