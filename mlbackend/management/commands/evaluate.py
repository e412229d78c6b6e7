from mlbackend.management.ml_command import MlJobCommand
from mlbackend.models import EvaluationReport
from mlbackend.services.evaluation import evaluate_job_work


class Command(MlJobCommand):
    help = "Leave-one-subject-out evaluation of a recognition plugin on a project's codes; prints UF1/UAR."
    kind = "evaluate"
    work = staticmethod(evaluate_job_work)

    def report(self, job) -> None:
        report = EvaluationReport.objects.get(job=job)
        overall = report.overall
        self.stdout.write(self.style.SUCCESS(
            f"report {report.pk}: UF1 {overall['uf1']:.3f}  UAR {overall['uar']:.3f}  accuracy {overall['accuracy']:.3f}"
            f"  n={overall['n']}  subjects={len(report.per_subject)}"
        ))
        for name, metrics in report.per_dataset.items():
            self.stdout.write(f"  {name}: UF1 {metrics['uf1']:.3f}  UAR {metrics['uar']:.3f}  n={metrics['n']}")
