"""Shared body of `manage.py preannotate|train|evaluate`: the UI's services, run here with a progress bar."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.models import Job, Project
from annotator.services.jobs import job_run
from mlbackend.services.jobs import ml_job_create

BAR_WIDTH = 30


def progress_bar(stream):
    def echo(fraction: float, message: str) -> None:
        filled = int(BAR_WIDTH * fraction)
        stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:6.1%} {message[:60]:<60}", ending="")
        stream.flush()

    return echo


class MlJobCommand(BaseCommand):
    kind: str
    work = None  # the service that does the job, set by each command
    project_required = True

    def add_arguments(self, parser):
        parser.add_argument("--project", required=self.project_required, help="Project name or id.")
        parser.add_argument("--plugin", required=True)
        parser.add_argument("--label-source", default="submitted", choices=["submitted", "reviewed"])
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--labels", nargs="*", help="Emotion labels to recognise (default: those coded).")
        parser.add_argument("--queue", action="store_true", help="Hand the job to a worker instead of running here.")

    def extra_params(self, options) -> dict:
        return {}

    def handle(self, *args, **options):
        project = self._project(options["project"])
        try:
            job = ml_job_create(
                kind=self.kind, project=project, created_by=None, plugin=options["plugin"],
                label_source=options["label_source"], seed=options["seed"], labels=options["labels"],
                enqueue=options["queue"], **self.extra_params(options),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if options["queue"]:
            self.stdout.write(f"job {job.pk} queued")
            return
        echo = progress_bar(self.stderr)
        job = job_run(job_id=job.pk, work=type(self).work, echo=echo)
        if job.status == Job.Status.SUCCEEDED:
            echo(1.0, "done")
        self.stderr.write("")
        self.stdout.write(job.log)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"job {job.pk} {job.status}: {job.error}")
        self.report(job)

    def report(self, job: Job) -> None:
        self.stdout.write(self.style.SUCCESS(f"job {job.pk} succeeded"))

    @staticmethod
    def _project(name_or_id: str) -> Project:
        project = Project.objects.filter(pk=int(name_or_id)).first() if name_or_id.isdigit() else None
        project = project or Project.objects.filter(name=name_or_id).first()
        if project is None:
            raise CommandError(f"No project named {name_or_id!r}.")
        return project
