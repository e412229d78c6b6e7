"""manage.py bench_loso: LOSO wall time of STSTNet's plain loop against the fast path (docs/loso-speed.md)."""

from django.core.management.base import BaseCommand, CommandError

FULL = "68 folds x 800 epochs"


def fast_workers(workers, subjects: int) -> int:
    from mlbackend.nets.fast import default_workers

    return workers or default_workers("cpu", subjects)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


class Command(BaseCommand):
    help = (
        "Time leave-one-subject-out STSTNet on synthetic 28x28 maps shaped like the MEGC2019 composite "
        "(442 samples, 68 subjects): the plain loop through the shared evaluator against the fused step "
        "through loso_fast, with reduced epochs, and project both to 68 folds x 800 epochs. Prints the "
        "machine load: the times are only comparable at a similar load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=442)
        parser.add_argument("--subjects", type=int, default=68)
        parser.add_argument("--epochs-plain", type=int, default=2, help="epochs per fold of the plain run")
        parser.add_argument("--epochs-fast", type=int, default=20, help="epochs per fold of the fast run")
        parser.add_argument("--plain-threads", default="1,2",
                            help="torch threads of the plain runs, comma-separated (2 = torch's default on 2 cores)")
        parser.add_argument("--workers", type=int, default=None, help="parallel folds of loso_fast (default: CPUs)")
        parser.add_argument("--padding", type=int, default=1, choices=(1, 2))
        parser.add_argument("--skip-plain", action="store_true", help="time the fast path only")
        parser.add_argument("--skip-off-apexnet", action="store_true")
        parser.add_argument("--models", help="Flow-map network plugins, comma-separated: per model, ms per fold-epoch "
                                             "of every trainer and the projected 68-fold run at its published epochs")
        parser.add_argument("--epochs", type=int, default=2, help="with --models: epochs per fold of each timed run")

    def handle(self, *args, **options):
        if options["models"]:
            return self.models(options)
        import torch

        from mlbackend.cpuinfo import describe
        from mlbackend.nets.bench import machine, run_loso, synthetic_maps
        from mlbackend.nets.calibrate import auto_backend, calibration
        from mlbackend.nets.kernel import kernel_error, load_kernel
        from mlbackend.nets.train import deterministic
        from plugins.off_apexnet import OffApexNetPlugin
        from plugins.ststnet import STSTNetPlugin

        out = self.stdout.write
        data, maps = synthetic_maps(options["samples"], options["subjects"])
        kernel = load_kernel()
        out(f"CPU: {describe()}")
        out(f"machine: {machine()}; torch {torch.__version__}, default threads {torch.get_num_threads()}")
        out(f"data: {len(data)} samples of {options['subjects']} subjects, 3 classes, synthetic 3x28x28 maps "
            f"(injected: no optical flow); padding {options['padding']}; fused kernel: "
            + (f"compiled, {kernel.ststnet_lanes()} floats a vector" if kernel is not None
               else f"unavailable ({kernel_error()}), torch fallback"))
        base = {"batch_size": 256, "lr": 5e-5, "padding": options["padding"]}
        fused_step = {"fast": True, "backend": "c" if kernel is not None else "torch"}  # the kernel, never "auto"
        if kernel is not None:
            with deterministic(threads=1):
                chosen = calibration(padding=options["padding"], threads=1)
                auto_choice = auto_backend(padding=options["padding"], threads=1)  # MESTUDIO_TRAINER may force it
            out(f"backend auto on this CPU (1 thread): {auto_choice} (calibration, per step of "
                f"{chosen.get('batch', 256)}: kernel {chosen['c_ms']:.1f} ms, plain {chosen['plain_ms']:.1f} ms; "
                f"measured {chosen.get('measured_at', '?')})")
        warm = [c for c in data if c.clip.subject in sorted({c.clip.subject for c in data})[:3]]
        for fast in (False, True):  # imports, the kernel, oneDNN primitives: not part of the timings
            trainer = fused_step if fast else {"fast": False}
            run_loso(STSTNetPlugin, maps, warm, params={**base, "epochs": 1, **trainer}, fast_evaluator=fast, threads=1)
        plains = []
        if not options["skip_plain"]:
            for threads in [int(t) for t in str(options["plain_threads"]).split(",") if t.strip()]:
                plains.append(run_loso(
                    STSTNetPlugin, maps, data, params={**base, "epochs": options["epochs_plain"], "fast": False},
                    fast_evaluator=False, threads=threads, label=f"plain, fold by fold, {threads} thread(s)"))
        step = run_loso(STSTNetPlugin, maps, data, params={**base, "epochs": options["epochs_fast"], **fused_step},
                        fast_evaluator=False, threads=1, label="fused step, fold by fold, 1 thread")
        fast = run_loso(STSTNetPlugin, maps, data, params={**base, "epochs": options["epochs_fast"], **fused_step},
                        fast_evaluator=True, workers=options["workers"], label="fused step, loso_fast")
        fast.label = f"fused step, loso_fast, {fast_workers(options['workers'], options['subjects'])} workers"
        runs = [*plains, step, fast]
        if kernel is not None:  # what `backend: auto` trains with here (the plain step where it measured faster)
            auto = run_loso(STSTNetPlugin, maps, data, params={**base, "epochs": options["epochs_fast"], "fast": True,
                                                               "backend": "auto"},
                            fast_evaluator=True, workers=options["workers"], label="auto")
            auto.label = (f"auto ({'kernel' if auto_choice == 'c' else 'plain step'}), loso_fast, "
                          f"{fast_workers(options['workers'], options['subjects'])} workers")
            runs.append(auto)
        out(f"{'run':<44}{'folds x epochs':>15}{'wall s':>8}{'CPU s':>8}{'ms/epoch/fold':>15}"
            f"{'in flight':>10}  projection, {FULL}")
        for run in runs:
            out(f"{run.label:<44}{f'{run.folds} x {run.epochs}':>15}{run.wall:>8.1f}{run.cpu:>8.1f}"
                f"{run.per_epoch_fold_ms:>15.1f}{run.parallelism:>10.2f}  {_minutes(run.projection())}")
        for plain in plains:
            out(f"ratio per epoch and fold, {plain.label} / fused step: "
                f"{plain.per_epoch_fold_ms / step.per_epoch_fold_ms:.1f}x (1 fold at a time), "
                f"/ loso_fast: {plain.per_epoch_fold_ms / fast.per_epoch_fold_ms:.1f}x; "
                f"full run {_minutes(plain.projection())} -> {_minutes(fast.projection())}")
        out(f"loso_fast: {fast.folds} folds in {fast.wall:.1f} s wall ({fast.cpu:.1f} CPU s), "
            f"{fast.parallelism:.2f} folds in flight on average; fixed cost per fold "
            f"{1000 * fast.overhead_wall / fast.folds:.0f} ms wall (normalisation, checkpoint, prediction)")
        if not options["skip_off_apexnet"]:
            apex = run_loso(OffApexNetPlugin, maps, data, params={"epochs": 1, "batch_size": 256, "lr": 1e-4},
                            fast_evaluator=False, threads=1, label="off_apexnet plain (fold by fold)")
            out(f"off_apexnet plain (1 thread), for information: {apex.folds} folds x 1 epoch, wall {apex.wall:.1f} s, "
                f"{apex.per_epoch_fold_ms:.0f} ms per epoch and fold; projection {FULL}: {_minutes(apex.projection())}")
        out(f"machine after: {machine()}")

    def models(self, options) -> None:
        import torch

        from mlbackend.cpuinfo import describe
        from mlbackend.nets.bench import FULL_FOLDS, machine, model_trainers, synthetic_maps
        from mlbackend.nets.fast import default_workers
        from mlbackend.nets.plugin_base import FlowNetPlugin
        from mlbackend.registry import get_plugin_class

        out = self.stdout.write
        names = [name.strip() for name in options["models"].split(",") if name.strip()]
        classes = []
        for name in names:
            cls = get_plugin_class(name)
            if not issubclass(cls, FlowNetPlugin):
                raise CommandError(f"{name} is not a flow-map network (mlbackend.sdk.nets.FlowNetPlugin).")
            classes.append(cls)
        data, maps = synthetic_maps(options["samples"], options["subjects"])
        workers = options["workers"] or default_workers("cpu", options["subjects"])
        out(f"CPU: {describe()}")
        out(f"machine: {machine()}; torch {torch.__version__}; {workers} worker processes")
        out(f"data: {len(data)} samples of {options['subjects']} subjects, synthetic 3x28x28 maps (no optical flow); "
            f"{options['epochs']} epochs per fold timed, projected to {FULL_FOLDS} folds x each model's published "
            "epochs")
        out(f"{'model':<16}{'trainer':<36}{'ms/fold-epoch':>14}{'wall s':>8}{'CPU s':>8}  projection")
        for cls in classes:
            for row in model_trainers(cls, maps, data, epochs=options["epochs"], workers=options["workers"]):
                if row.run is None:
                    out(f"{row.model:<16}{row.trainer:<36}{'-':>14}{'-':>8}{'-':>8}  {row.note}")
                    continue
                out(f"{row.model:<16}{row.trainer:<36}{row.run.per_epoch_fold_ms:>14.1f}{row.run.wall:>8.1f}"
                    f"{row.run.cpu:>8.1f}  {_minutes(row.projection())} ({FULL_FOLDS} x {row.published_epochs})")
        out(f"machine after: {machine()}")
