from io import StringIO

from django.core.management import call_command


def test_bench_loso_prints_times_ratio_projection_and_load():
    out = StringIO()
    call_command("bench_loso", "--samples", "30", "--subjects", "5", "--epochs-plain", "1", "--epochs-fast", "2",
                 "--plain-threads", "1", stdout=out)
    text = out.getvalue()
    for expected in ("load average", "plain, fold by fold, 1 thread", "fused step, loso_fast",
                     "ms/epoch/fold", "projection, 68 folds x 800 epochs", "ratio per epoch and fold", "CPU: ", "backend auto on this CPU", "auto (kernel), loso_fast",
                     "off_apexnet plain"):
        assert expected in text, expected


def test_bench_loso_models_prints_every_trainer_per_model_with_its_projection():
    import pytest
    from django.core.management import CommandError

    out = StringIO()
    call_command("bench_loso", "--models", "ststnet,off_apexnet", "--samples", "8", "--subjects", "2", "--epochs", "1",
                 stdout=out)
    text = out.getvalue()
    from mlbackend.cpuinfo import describe

    assert f"CPU: {describe()}" in text  # the model name and the vector extensions
    rows = {(line[:16].strip(), line[16:52].strip()): line[52:] for line in text.splitlines()
            if line.startswith(("ststnet ", "off_apexnet "))}
    trainers = ["plain, fold by fold, 1 thread", "plain, folds in processes", "vmap over folds (CPU)"]
    for model, epochs in (("ststnet", 800), ("off_apexnet", 500)):
        for trainer in trainers:
            assert f"(68 x {epochs})" in rows[(model, trainer)], (model, trainer)
            assert float(rows[(model, trainer)].split()[0]) > 0
    assert ("ststnet", "fused kernel, fold by fold") in rows and ("off_apexnet", "fused kernel, fold by fold") not in rows
    with pytest.raises(CommandError):
        call_command("bench_loso", "--models", "dummy", stdout=StringIO())
