from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.models import Project
from annotator.services.clips import clip_import_path
from annotator.services.projects import subject_get_or_create


class Command(BaseCommand):
    help = (
        "Import videos (any codec FFmpeg decodes), still images or frame folders into a project. "
        "Each path becomes one clip; a folder of .jpg/.png/.bmp frames is one clip in natural sort order."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--project", required=True, help="Project name or id.")
        parser.add_argument("--subject", required=True, help="Pseudonymous subject code; created when new.")
        parser.add_argument("--fps", type=float, help="Frame rate, when the container does not tell the truth.")
        parser.add_argument("--no-align", action="store_true", help="Skip face landmarks and aligned crops.")
        parser.add_argument("--user", help="Username recorded as the importer.")

    def handle(self, *args, paths, project, subject, fps, no_align, user, **options):
        target = Project.objects.filter(pk=int(project)).first() if project.isdigit() else None
        target = target or Project.objects.filter(name=project).first()
        if target is None:
            raise CommandError(f"No project named {project!r}.")
        importer = get_user_model().objects.filter(username=user).first() if user else None
        if user and importer is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            subject_row = subject_get_or_create(project=target, code=subject)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        failed = 0
        for path in paths:
            clip = clip_import_path(
                project=target, subject=subject_row, path=path, created_by=importer,
                align=False if no_align else None, fps=fps,
            )
            if clip.status == clip.Status.FAILED:
                failed += 1
                self.stderr.write(f"{path}: {clip.error}")
            else:
                self.stdout.write(f"clip {clip.pk} queued: {clip.name} ({clip.source_kind})")
        self.stdout.write(f"{len(paths) - failed} clip(s) queued for ingest; a worker decodes them.")
        if failed:
            raise CommandError(f"{failed} path(s) could not be imported.")
