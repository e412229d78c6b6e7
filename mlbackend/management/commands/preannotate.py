from mlbackend.management.ml_command import MlJobCommand
from mlbackend.services.preannotation import preannotate_job_work


class Command(MlJobCommand):
    help = "Store a model version's suggestions for a project's clips (the active version unless --model-version)."
    kind = "preannotate"
    work = staticmethod(preannotate_job_work)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--model-version", type=int, help="ModelVersion id (default: the project's active one).")
        parser.add_argument("--clips", type=int, nargs="*", help="Only these clip ids.")

    def extra_params(self, options) -> dict:
        return {"model_version": options["model_version"], "clips": options["clips"]}
