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
