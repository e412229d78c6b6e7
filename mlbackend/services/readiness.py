"""Whether a model job can succeed, decided before it is queued: ml_job_create refuses one that cannot, and the
Models page disables it with the same reason. The worker's own checks stay (the data may change meanwhile); these
only keep a job that is bound to fail out of the queue."""

from dataclasses import dataclass

from mlbackend.contract import AUS, EMOTION, SPOTTING
from mlbackend.jobkinds import EVALUATE, PREANNOTATE
from mlbackend.models import ModelVersion
from mlbackend.selectors import active_version, labelled_events
from mlbackend.services.runtime import EXCLUDED_FROM_LABELS

LOSO_SUBJECTS = 2
RECOGNISED_EMOTIONS = 2


@dataclass(frozen=True)
class CodeStats:
    codes: int
    subjects: int
    emotions: tuple[str, ...]  # project labels the codes use, 'others' left out, as training would choose them


def code_stats(project, label_source: str) -> CodeStats:
    events = labelled_events(project, label_source).order_by()
    pairs = set(events.values_list("clip__subject_id", "emotion").distinct())
    used = {emotion for _, emotion in pairs}
    emotions = tuple(label for label in project.emotion_labels
                     if label in used and label.lower() not in EXCLUDED_FROM_LABELS)
    return CodeStats(codes=events.count(), subjects=len({subject for subject, _ in pairs}), emotions=emotions)


def job_blocker(*, project, kind: str, plugin_class, label_source: str, evaluate: bool = True,
                model_version: int | None = None, stats: CodeStats | None = None) -> str:
    """Why this job would fail, in words for the lead; empty when it can succeed."""
    if kind == PREANNOTATE:
        if model_version is None and active_version(project, plugin_class.name) is None:
            return f"No active {plugin_class.name} model in this project: train one first."
        return ""
    stats = stats or code_stats(project, label_source)
    which = "reviewed" if label_source == ModelVersion.LabelSource.REVIEWED else "submitted or reviewed"
    if not stats.codes:
        if label_source == ModelVersion.LabelSource.REVIEWED:
            return ("No reviewed codes yet: a reviewer makes gold codes from the coders' events, or the lead marks "
                    "submitted codes reviewed (or train on submitted codes).")
        return "No submitted or reviewed codes yet: coders submit their events first."
    capabilities = plugin_class.capabilities
    loso = kind == EVALUATE or (evaluate and bool(capabilities & {EMOTION, AUS, SPOTTING}))
    if loso and stats.subjects < LOSO_SUBJECTS:
        return (f"Leave-one-subject-out needs {which} codes of at least {LOSO_SUBJECTS} subjects; "
                f"there are codes of {stats.subjects}.")
    if EMOTION in capabilities and len(stats.emotions) < RECOGNISED_EMOTIONS:
        found = ", ".join(stats.emotions) or "none"
        return f"Recognition needs {which} codes of at least {RECOGNISED_EMOTIONS} emotions; found {found}."
    return ""
