"""Bench child: import a dataset folder in a throwaway database and print the seconds it took, as JSON.

Run by `manage.py bench_import` as `python -m annotator.bench.dataset_import FORMAT ROOT OUT.json` with
MESTUDIO_VAR_DIR and MEDIA_ROOT pointing at a temporary folder.
"""

import json
import os
import secrets
import sys
import time
from pathlib import Path


def main(fmt: str, root: Path, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.services.datasets import dataset_import
    from annotator.services.projects import project_create

    var_dir = Path(settings.VAR_DIR).resolve()
    if Path(settings.DATABASES["default"]["NAME"]).resolve().parent != var_dir:
        sys.exit(f"refusing to run: the database {settings.DATABASES['default']['NAME']} is not in {var_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password=secrets.token_urlsafe(16))
    project = project_create(name="Bench import", created_by=user)
    started = time.perf_counter()
    report = dataset_import(project=project, format=fmt, root=root, created_by=user, align=False)
    seconds = time.perf_counter() - started
    out.write_text(json.dumps({"seconds": seconds, "summary": report["summary"]}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
