"""manage.py zoo: evaluate a list of plugins through the shared evaluator and print one sorted LOSO table."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.models import Job
from annotator.services.jobs import job_run
from mlbackend.management.ml_command import MlJobCommand, progress_bar
from mlbackend.services.evaluation import evaluate_job_work
from mlbackend.services.zoo import zoo_reports, zoo_start, zoo_table, zoo_text


def plugin_params(pairs: list[str]) -> dict:
    """--param NAME.KEY=VALUE (repeated) -> {NAME: {KEY: VALUE}}; values are JSON where they parse, text otherwise."""
    params: dict = {}
    for pair in pairs or []:
        name_key, sep, raw = pair.partition("=")
        name, dot, key = name_key.partition(".")
        if not (sep and dot and name and key):
            raise CommandError(f"--param {pair!r}: write PLUGIN.KEY=VALUE.")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        params.setdefault(name.strip(), {})[key.strip()] = value
    return params


class Command(BaseCommand):
    help = ("Evaluate a chosen list of plugins on a project through the shared LOSO evaluator (one evaluate job "
            "each: same split, fixed epochs, nothing picked on a test subject) and print one table: UF1, UAR, per "
            "dataset, seconds, sorted by UF1 then UAR, with the protocol stated.")

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--models", required=True, help="Plugins, comma-separated (e.g. ststnet,off_apexnet).")
        parser.add_argument("--protocol", default="loso", choices=["loso", "lovo"])
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--label-source", default="submitted", choices=["submitted", "reviewed"])
        parser.add_argument("--param", action="append", default=[],
                            help="A plugin parameter, PLUGIN.KEY=VALUE (repeatable), e.g. ststnet.epochs=800.")
        parser.add_argument("--queue", action="store_true", help="Hand the jobs to workers instead of running here.")

    def handle(self, *args, **options):
        project = MlJobCommand._project(options["project"])
        models = [name.strip() for name in options["models"].split(",") if name.strip()]
        try:
            jobs = zoo_start(project=project, created_by=None, plugins=models, protocol=options["protocol"],
                             seed=options["seed"], label_source=options["label_source"],
                             plugin_params=plugin_params(options["param"]), enqueue=options["queue"])
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        zoo_id = jobs[0].params["zoo"]
        if options["queue"]:
            self.stdout.write(f"zoo {zoo_id}: jobs {', '.join(str(job.pk) for job in jobs)} queued")
            return
        failed = []
        for job in jobs:
            self.stderr.write(f"{job.params['plugin']}:")
            job = job_run(job_id=job.pk, work=evaluate_job_work, echo=progress_bar(self.stderr))
            self.stderr.write("")
            if job.status != Job.Status.SUCCEEDED:
                failed.append(f"{job.params['plugin']} (job {job.pk} {job.status}: {job.error})")
        self.stdout.write(f"zoo {zoo_id} on project {project.name}")
        for line in zoo_text(zoo_table(zoo_reports(project=project, zoo_id=zoo_id))):
            self.stdout.write(line)
        if failed:
            raise CommandError("not in the table: " + "; ".join(failed))
