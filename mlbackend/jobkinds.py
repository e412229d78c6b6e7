"""mlbackend's job kinds (annotator/jobkinds.py); imported by MlbackendConfig.ready, so registered at start."""

from annotator.jobkinds import register_job_kind

PREANNOTATE = register_job_kind("preannotate", "pre-annotate", task="mlbackend.preannotate", accelerated=True)
TRAIN = register_job_kind("train", "train", task="mlbackend.train", accelerated=True)
EVALUATE = register_job_kind("evaluate", "evaluate", task="mlbackend.evaluate", accelerated=True)
# A coder is waiting for these two: their own queue, so they never wait behind a training job.
ANALYSE = register_job_kind("analyse", "analyse clip", task="mlbackend.analyse", started_by="coder", instant=True)
PROPOSE = register_job_kind("propose", "propose onset and offset", task="mlbackend.propose_interval",
                            started_by="coder", instant=True)
