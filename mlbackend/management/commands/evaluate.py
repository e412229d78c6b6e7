import json
from pathlib import Path

from django.core.management.base import CommandError

from mlbackend.evaluation.spotting import KINDS
from mlbackend.management.ml_command import MlJobCommand
from mlbackend.models import EvaluationReport
from mlbackend.services.evaluation import evaluate_job_work


class Command(MlJobCommand):
    help = ("Leave-one-subject-out evaluation of a plugin on a project's codes; prints UF1/UAR for recognition, "
            "the AU mean F1 for AU detection, and MEGC micro / macro / overall TP FP FN precision recall F1 "
            "for spotting.")
    kind = "evaluate"
    work = staticmethod(evaluate_job_work)
    project_required = False  # --archive evaluates a training archive instead

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--archive", help="A training archive (manage.py export_training) to evaluate instead "
                                              "of a project: recognition and AU figures, no report row.")
        parser.add_argument("--json", help="With --archive: also write the figures to this JSON file.")
        parser.add_argument("--protocol", default="loso", choices=["loso", "lovo"],
                            help="loso: leave-one-subject-out (default); lovo: leave-one-video-out (the fused-set "
                                 "baseline's protocol; subjects then appear on both sides of a fold).")

    def extra_params(self, options) -> dict:
        return {"protocol": options["protocol"]}

    def handle(self, *args, **options):
        if options["archive"]:
            return self.evaluate_archive(options)
        if not options["project"]:
            raise CommandError("Give --project (or --archive).")
        return super().handle(*args, **options)

    def evaluate_archive(self, options) -> None:
        from mlbackend.exports.archive import ArchiveError
        from mlbackend.services.archive_evaluation import archive_evaluate
        from mlbackend.management.ml_command import progress_bar

        try:
            result = archive_evaluate(path=Path(options["archive"]), plugin=options["plugin"], labels=options["labels"],
                                      seed=options["seed"], progress=progress_bar(self.stderr),
                                      protocol=options["protocol"])
        except (ArchiveError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.protocol_line(result.protocol)
        self.recognition(f"archive {Path(options['archive']).name}", result.overall, result.per_dataset,
                         len(result.per_subject), result.au_metrics)
        if options["json"]:
            figures = {key: value for key, value in result.to_dict().items() if key != "samples"}
            Path(options["json"]).write_text(json.dumps(figures, indent=1))

    def recognition(self, title: str, overall: dict, per_dataset: dict, n_subjects: int, au: dict) -> None:
        if overall:
            self.stdout.write(self.style.SUCCESS(
                f"{title}: UF1 {overall['uf1']:.3f}  UAR {overall['uar']:.3f}  "
                f"accuracy {overall['accuracy']:.3f}  n={overall['n']}  subjects={n_subjects}"
            ))
            for name, metrics in per_dataset.items():
                self.stdout.write(f"  {name}: UF1 {metrics['uf1']:.3f}  UAR {metrics['uar']:.3f}  n={metrics['n']}")
        if au:
            self.stdout.write(self.style.SUCCESS(
                f"{title}: AU mean F1 {au['mean_f1']:.3f} over {au['n_scored']} AUs  n={au['n']}"))

    def protocol_line(self, protocol: str) -> None:
        from mlbackend.evaluation.loso import PROTOCOLS, protocol_warning

        self.stdout.write(f"protocol: {PROTOCOLS[protocol]}")
        if protocol_warning(protocol):
            self.stdout.write(self.style.WARNING(f"warning: {protocol_warning(protocol)}"))

    def report(self, job) -> None:
        report = EvaluationReport.objects.get(job=job)
        self.protocol_line(report.protocol)
        self.recognition(f"report {report.pk}", report.overall, report.per_dataset, len(report.per_subject),
                         report.au_metrics)
        spotting = report.spotting
        if spotting:
            figures = spotting["overall"]
            self.stdout.write(self.style.SUCCESS(
                f"report {report.pk}: spotting F1 {figures['overall']['f1']:.3f} (IoU >= {figures['iou_threshold']})  "
                f"videos={figures['n_videos']}  subjects={len(spotting['per_subject'])}"))
            self.stdout.write(f"  {'':8} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7} {'F1':>6}")
            for kind in (*KINDS, "overall"):
                m = figures[kind]
                self.stdout.write(f"  {kind:8} {m['tp']:5d} {m['fp']:5d} {m['fn']:5d} {m['precision']:9.3f} "
                                  f"{m['recall']:7.3f} {m['f1']:6.3f}")
            for row in spotting["per_subject"]:
                self.stdout.write(f"  {row['subject']}: TP {row['tp']}  FP {row['fp']}  FN {row['fn']}  "
                                  f"F1 {row['f1']:.3f}")
