"""`manage.py bench_spotting` end to end on a tiny setting (the real run: docs/spotting.md)."""

import json
from io import StringIO

from django.core.management import call_command


def test_bench_spotting_prints_the_f1_table_and_speed(sample_dir, tmp_path):
    out, err = StringIO(), StringIO()
    call_command("bench_spotting", "--faces", str(sample_dir), "--videos", "2", "--frames", "200", "220",
                 "--events", "1", "--distractors", "1", "--spotters", "lbp_spotter", "lbp_spotter+suppress",
                 "--json", str(tmp_path / "bench.json"), stdout=out, stderr=err)
    text = out.getvalue()
    assert "2 videos" in text and "micro TP/FP/FN" in text and "fps wall" in text
    rows = [line for line in text.splitlines() if line.startswith("lbp_spotter")]
    assert len(rows) == 4  # two table rows, two notes
    payload = json.loads((tmp_path / "bench.json").read_text())
    assert [s["spotter"] for s in payload["spotters"]] == ["lbp_spotter", "lbp_spotter+suppress"]
    first = payload["spotters"][0]
    assert first["fps"] > 0 and first["cpu_fps"] > 0
    assert first["metrics"]["micro"]["tp"] + first["metrics"]["micro"]["fn"] == 2  # one micro event per video
    assert payload["spotters"][1]["fps"] == first["fps"]  # the variant reuses the cold pass's curves
