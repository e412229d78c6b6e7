from pathlib import Path

from django.core.management.base import CommandError

from annotator.datasets import DatasetError
from annotator.datasets.maps import DEFAULT_LABEL_NAMES, KINDS, MAPS
from annotator.jobkinds import IMPORT
from annotator.management.commands.import_dataset import Command as ImportDatasetCommand
from annotator.models import Job
from annotator.services.dataset_jobs import dataset_import_job, dataset_root
from annotator.services.jobs import job_create
from annotator.services.map_import import map_import


class Command(ImportDatasetCommand):
    help = (
        "Import a precomputed-map set (one u,v,strain image per sample) or, with --kind apex, an apex-image set, "
        "labelled by a CSV with the columns dataset, sub, filename_o, label (extra columns kept), as one job: "
        "it lands whole or not at all. PATH is the image folder or a .zip/.tar archive of it. Every CSV row "
        "without an image and every image without a row is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--labels", required=True, type=Path, help="The label CSV.")
        parser.add_argument("--kind", default=MAPS, choices=KINDS, help="maps: flow maps (u, v, strain as R, G, B); "
                                                                       "apex: apex face images.")
        parser.add_argument("--label-names", default=",".join(DEFAULT_LABEL_NAMES),
                            help="Emotion names of numeric labels 0, 1, 2, ... (default: the MEGC2019 classes).")
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything and report; write nothing.")
        parser.add_argument("--no-align", action="store_true", help="Apex images: skip face landmarks and crops.")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")

    def handle(self, *args, labels, kind, label_names, **options):
        if not labels.is_file():
            raise CommandError(f"{labels} does not exist.")
        self._labels, self._kind = labels, kind
        self._label_names = tuple(name.strip().lower() for name in label_names.split(",") if name.strip())
        super().handle(*args, format=kind, **options)

    def _dry_run(self, project, format, path, echo) -> dict:
        try:
            with dataset_root(path) as root:
                return map_import(project=project, root=root, labels=self._labels, kind=self._kind, dry_run=True,
                                  label_names=self._label_names, progress=echo)
        except DatasetError as exc:
            raise CommandError(str(exc)) from None

    def _run(self, project, format, path, importer, no_align, echo) -> dict:
        params = {"format": self._kind, "dry_run": False, "label_names": list(self._label_names),
                  **({"align": False} if no_align else {})}
        job = job_create(kind=IMPORT, project=project, params=params, created_by=importer)
        job = dataset_import_job(job_id=job.pk, path=path, labels=self._labels, echo=echo)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"import job {job.pk} {job.status}: {job.error}")
        report = job.import_report
        return {"format": report.format, "dataset": report.dataset, "dry_run": False, "summary": report.summary,
                "notes": report.notes, "rows": report.rows, "job": job.pk}

    def _print(self, report: dict, *, as_json: bool) -> None:
        if not as_json:
            for row in report["rows"]:
                if row["outcome"] != "imported":
                    where = f"line {row['line']} {row['dataset']} {row['subject']}/{row['clip']}" \
                        if row["line"] else row["image"]
                    self.stdout.write(f"{row['outcome']}: {where}: " + "; ".join(row["reasons"]))
            report = {**report, "rows": [r for r in report["rows"] if r["outcome"] == "imported"]}
            summary = report["summary"]
            self.stdout.write(f"{summary['images_unmatched']} images without a row; per dataset: "
                              + ", ".join(f"{k} {v}" for k, v in sorted(summary["per_dataset"].items())))
        super()._print(report, as_json=as_json)
