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

    def report(self, job) -> None:
        report = EvaluationReport.objects.get(job=job)
        overall = report.overall
        if overall:
            self.stdout.write(self.style.SUCCESS(
                f"report {report.pk}: UF1 {overall['uf1']:.3f}  UAR {overall['uar']:.3f}  "
                f"accuracy {overall['accuracy']:.3f}  n={overall['n']}  subjects={len(report.per_subject)}"
            ))
            for name, metrics in report.per_dataset.items():
                self.stdout.write(f"  {name}: UF1 {metrics['uf1']:.3f}  UAR {metrics['uar']:.3f}  n={metrics['n']}")
        if report.au_metrics:
            au = report.au_metrics
            self.stdout.write(self.style.SUCCESS(
                f"report {report.pk}: AU mean F1 {au['mean_f1']:.3f} over {au['n_scored']} AUs  n={au['n']}"))
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
