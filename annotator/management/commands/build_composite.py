"""manage.py build_composite: fuse imported dataset projects into one project under a label mapping."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.composites.mappings import NAMED, MappingError, ground_truth, mapping_named
from annotator.models import Project
from annotator.selectors.composites import composite_plan
from annotator.services.composites import composite_build


def plan_lines(plan) -> list[str]:
    classes = plan.mapping.classes
    width = max(8, *(len(c) for c in classes))
    lines = [f"{'dataset':<12}" + "".join(f"{c:>{width + 1}}" for c in classes) + f"{'clips':>7}{'subjects':>10}"]
    for row in plan.table():
        lines.append(f"{row['dataset']:<12}" + "".join(f"{n:>{width + 1}}" for n in row["classes"])
                     + f"{row['clips']:>7}{row['subjects']:>10}")
        if row["dropped"] and row["dataset"] != "total":
            dropped = ", ".join(f"{reason}: {n}" for reason, n in sorted(row["dropped"].items()))
            lines.append(f"  dropped: {dropped}")
    return lines


class Command(BaseCommand):
    help = ("Build a composite project from imported dataset projects with a label mapping "
            f"({', '.join(NAMED)}, or a custom .json). Prints the class counts per source dataset first; "
            "--dry-run stops there.")

    def add_arguments(self, parser):
        parser.add_argument("--name", help="Name of the new composite project.")
        parser.add_argument("--sources", nargs="+", required=True, help="Source project names or ids.")
        parser.add_argument("--mapping", required=True, help=f"One of {', '.join(NAMED)} or a mapping .json file.")
        parser.add_argument("--ground-truth", help="The official composite CSV (dataset, sub, filename_o, label); "
                                                   "it then decides each clip's class.")
        parser.add_argument("--label-source", default="reviewed", choices=["reviewed", "submitted"])
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        sources = [self._project(key) for key in options["sources"]]
        try:
            mapping = mapping_named(options["mapping"])
            truth = ground_truth(options["ground_truth"]) if options["ground_truth"] else None
        except (MappingError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        plan = composite_plan(sources=sources, mapping=mapping, label_source=options["label_source"], truth=truth)
        self.stdout.write(f"{mapping.title}: {plan.n_events} codes")
        for line in plan_lines(plan):
            self.stdout.write(line)
        if options["dry_run"]:
            return
        if not options["name"]:
            raise CommandError("Give --name for the composite project (or --dry-run).")
        try:
            project = composite_build(name=options["name"], sources=sources, mapping=mapping, created_by=None,
                                      label_source=options["label_source"], truth=truth, plan=plan)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(self.style.SUCCESS(f"composite project {project.pk} {project.name!r}: "
                                             f"{project.clips.count()} clips, {project.subjects.count()} subjects"))

    @staticmethod
    def _project(key: str) -> Project:
        project = (Project.objects.filter(pk=int(key)).first() if key.isdigit() else None) \
            or Project.objects.filter(name=key).first()
        if project is None:
            raise CommandError(f"No project named {key!r}.")
        return project
