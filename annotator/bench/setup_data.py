"""Bench data, made through the services in a throwaway database.

Run by `manage.py bench` as `python -m annotator.bench.setup_data VIDEO OUT.json` in a child
process whose environment points MESTUDIO_VAR_DIR and MEDIA_ROOT at a temporary folder, so
the developer's var/db.sqlite3 and media are never touched. Writes what the HTTP client
needs (token, session cookie, clip id, frame count) as JSON.
"""

import json
import os
import secrets
import sys
from pathlib import Path


def main(video: Path, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from annotator.jobkinds import INGEST
    from annotator.models import Clip, Job
    from annotator.services.clips import clip_import_path
    from annotator.services.ingest import clip_ingest_job
    from annotator.services.projects import project_create, subject_create

    var_dir = Path(settings.VAR_DIR).resolve()
    if Path(settings.DATABASES["default"]["NAME"]).resolve().parent != var_dir:
        sys.exit(f"refusing to run: the database {settings.DATABASES['default']['NAME']} is not in {var_dir}")

    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password=secrets.token_urlsafe(16))
    token = Token.objects.create(user=user)
    project = project_create(name="Bench", created_by=user, default_fps=30.0)
    subject = subject_create(project=project, code="B01")
    clip = clip_import_path(project=project, subject=subject, path=video, created_by=user, align=False)
    job = Job.objects.filter(clip=clip, kind=INGEST).latest("pk")
    clip_ingest_job(job_id=job.pk)
    job.refresh_from_db()
    clip.refresh_from_db()
    if clip.status != Clip.Status.READY:
        sys.exit(f"bench clip did not ingest: job {job.status}: {job.error or clip.error}")

    # Session cookie for the cookie-auth variant, and the SQL each auth path costs per frame request.
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(user)
    session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    url = f"/api/clips/{clip.pk}/frames/0.jpg"
    queries = {}
    for label, client in (("token", Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")),
                          ("session", browser)):
        client.get(url)  # first request pays one-off setup; count the second
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"frame request with {label} auth answered {response.status_code}")
        queries[label] = [q["sql"] for q in captured.captured_queries]

    out.write_text(json.dumps({
        "token": token.key,
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "session_key": session_key,
        "clip_id": clip.pk,
        "frame_count": clip.frame_count,
        "width": clip.width,
        "height": clip.height,
        "codec": clip.codec,
        "jpeg_quality": settings.MESTUDIO_INGEST["JPEG_QUALITY"],
        "media_root": str(settings.MEDIA_ROOT),
        "database": settings.DATABASES["default"]["NAME"],
        "ingest_log": job.log,
        "queries": queries,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
