from mlbackend.management.ml_command import MlJobCommand
from mlbackend.services.training import train_job_work


class Command(MlJobCommand):
    help = "Train a new model version on a project's codes (LOSO report first, then a fit on every code)."
    kind = "train"
    work = staticmethod(train_job_work)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--no-evaluate", action="store_true", help="Skip the LOSO report.")

    def extra_params(self, options) -> dict:
        return {"evaluate": not options["no_evaluate"]}
