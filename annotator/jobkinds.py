"""The kinds of background job, registered by the app that runs them.

A Job row stores its kind as a plain string. Each app registers the kinds it owns (annotator
here, mlbackend in mlbackend/jobkinds.py, imported by its AppConfig.ready) with the Celery task
that runs them, so an ML feature adds a kind without an annotator migration, and annotator
enqueues ML jobs by task name without importing mlbackend. Adding a kind is one line:

    EXPORT = register_job_kind("export", "export", task="annotator.export_project")
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError

MAX_NAME_LENGTH = 32  # Job.kind's column


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    task: str  # the Celery task that runs it; it receives the job id
    accelerated: bool = False  # runs on MESTUDIO_GPU_QUEUE when one is set
    # Who starts (and so may retry) a job of this kind: "lead", or "coder" for per-clip assists any coding
    # member asks for. Lead is the default, so a new kind is never open to coders by omission.
    started_by: str = "lead"
    instant: bool = False  # a coder waits for it: MESTUDIO_INSTANT_QUEUE, never behind training


_KINDS: dict[str, JobKind] = {}


STARTERS = ("lead", "coder")


def register_job_kind(name: str, label: str, *, task: str, accelerated: bool = False, started_by: str = "lead",
                      instant: bool = False) -> str:
    """Add a kind (idempotent for the same declaration); returns its name, the value stored in Job.kind."""
    if started_by not in STARTERS:
        raise ImproperlyConfigured(f"Job kind {name!r}: started_by is one of {', '.join(STARTERS)}.")
    kind = JobKind(name, label, task, accelerated, started_by, instant)
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ImproperlyConfigured(f"Job kind {name!r}: a name of 1 to {MAX_NAME_LENGTH} characters.")
    existing = _KINDS.get(name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Job kind {name!r} is registered twice, differently: {existing} and {kind}.")
    _KINDS[name] = kind
    return name


def job_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ValidationError({"kind": f"Unknown job kind {name!r}; registered: {', '.join(sorted(_KINDS))}."}) \
            from None


def job_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)


def job_kind_label(name: str) -> str:
    """A row written by an app that is no longer installed still shows its stored name."""
    kind = _KINDS.get(name)
    return kind.label if kind else name


INGEST = register_job_kind("ingest", "ingest", task="annotator.ingest_clip")
EXPORT = register_job_kind("export", "export", task="annotator.export")
IMPORT = register_job_kind("import", "import dataset", task="annotator.import_dataset")
