"""manage.py export_training: the training archive of a project (onset / apex faces, flow maps, labels)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.models import Project
from mlbackend.exports.archive import archive_write
from mlbackend.management.ml_command import progress_bar


class Command(BaseCommand):
    help = ("Write a project's training archive (zip): aligned onset and apex faces as PNG without metadata, the "
            "u/v/strain flow maps, labels.csv and manifest.json; `manage.py evaluate --archive` scores it. Only "
            "subjects with recorded consent unless --consent-override gives a written reason (logged).")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--out", required=True, help="The zip file to write.")
        parser.add_argument("--label-source", default="reviewed", choices=["submitted", "reviewed"])
        parser.add_argument("--consent-override", default="")

    def handle(self, *args, **options):
        key = options["project"]
        project = (Project.objects.filter(pk=int(key)).first() if key.isdigit() else None) \
            or Project.objects.filter(name=key).first()
        if project is None:
            raise CommandError(f"No project named {key!r}.")
        reason = options["consent_override"].strip()
        if reason and len(reason) < 15:
            raise CommandError("Write the reason for the consent override (at least 15 characters).")
        export = archive_write(project=project, path=Path(options["out"]), label_source=options["label_source"],
                               consent_override=reason, progress=progress_bar(self.stderr))
        self.stderr.write("")
        if export.subjects_excluded:
            self.stderr.write(f"left out {len(export.subjects_excluded)} subject(s) without recorded consent: "
                              f"{', '.join(export.subjects_excluded)}")
        self.stdout.write(self.style.SUCCESS(f"export {export.pk}: {export.row_count} codes -> {options['out']}"))
