import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.jobkinds import IMPORT
from annotator.datasets import FORMATS, DatasetError
from annotator.jobkinds import IMPORT
from annotator.models import Job, Project
from annotator.services.dataset_jobs import dataset_import_job, dataset_root
from annotator.services.datasets import dataset_import
from annotator.services.jobs import job_create


class Command(BaseCommand):
    help = (
        "Import a micro-expression dataset (frame folders + coding sheet) into a project as one job: "
        "it lands whole or not at all. PATH is the dataset folder or a .zip/.tar archive of it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything and report; write nothing.")
        parser.add_argument("--no-align", action="store_true", help="Skip face landmarks and aligned crops.")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")

    def handle(self, *args, path, format, project, dry_run, no_align, user, json: bool, **options):
        target = Project.objects.filter(pk=int(project)).first() if project.isdigit() else None
        target = target or Project.objects.filter(name=project).first()
        if target is None:
            raise CommandError(f"No project named {project!r}.")
        importer = get_user_model().objects.filter(username=user).first() if user else None
        if user and importer is None:
            raise CommandError(f"No user named {user!r}.")
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        with tqdm(total=1.0, unit="", bar_format="{l_bar}{bar}| {postfix}", disable=None) as bar:
            def echo(progress: float, message: str = "") -> None:
                bar.n = round(progress, 3)
                bar.set_postfix_str(message)

            if dry_run:
                report = self._dry_run(target, format, path, echo)
            else:
                report = self._run(target, format, path, importer, no_align, echo)
        self._print(report, as_json=json)

    def _dry_run(self, project, format, path, echo) -> dict:
        try:
            with dataset_root(path) as root:
                return dataset_import(project=project, format=format, root=root, dry_run=True, progress=echo)
        except DatasetError as exc:
            raise CommandError(str(exc)) from None

    def _run(self, project, format, path, importer, no_align, echo) -> dict:
        params = {"format": format, "dry_run": False, **({"align": False} if no_align else {})}
        job = job_create(kind=IMPORT, project=project, params=params, created_by=importer)
        job = dataset_import_job(job_id=job.pk, path=path, echo=echo)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"import job {job.pk} {job.status}: {job.error}")
        report = job.import_report
        return {"format": report.format, "dataset": report.dataset, "dry_run": False, "summary": report.summary,
                "notes": report.notes, "rows": report.rows, "job": job.pk}

    def _print(self, report: dict, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, indent=1))
            return
        for note in report["notes"]:
            self.stdout.write(f"note: {note}")
        for row in report["rows"]:
            if row["outcome"] != "imported":
                self.stdout.write(f"{row['outcome']}: line {row['line']} {row['subject']}/{row['clip']}: "
                                  + "; ".join(row["reasons"]))
        summary = report["summary"]
        self.stdout.write(
            f"{'DRY RUN, nothing written: ' if report['dry_run'] else ''}{report['dataset']}: "
            f"{summary['clips_found']} clips ({summary['clips_new']} new), {summary['frames']} frames, "
            f"{summary['rows']} rows: {summary['rows_imported']} imported, {summary['rows_flagged']} of them flagged, "
            f"{summary['rows_skipped']} skipped; {summary['events_new']} new events"
            + (f" (job {report['job']})" if report.get("job") else "")
        )
