"""The agreement CSV: one row per event of a coder pair (matched, or coded by one of them), pseudonymous
coders like every export (coders become C<id>; the page shows names)."""

import csv
import io

from annotator.agreement.compute import Agreement
from annotator.exports.sheet import defuse

COLUMNS = ("clip_id", "clip", "subject", "dataset", "coder_a", "coder_b", "event_a", "event_b", "matched", "iou",
           "onset_a", "onset_b", "apex_a", "apex_b", "offset_a", "offset_b", "onset_diff", "apex_diff",
           "offset_diff", "emotion_a", "emotion_b", "aus_a", "aus_b", "aus_agreed", "aus_total")


def _aus(code) -> str:
    return "+".join(str(au) for au in sorted(code.aus)) if code is not None else ""


def agreement_csv(result: Agreement, pseudonyms: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in result.rows:
        a, b = row.a, row.b
        agreed, total = row.au_terms or ("", "")
        writer.writerow([
            row.clip_id, defuse(row.clip), defuse(row.subject), defuse(row.dataset),
            pseudonyms.get(row.coder_a, "?"), pseudonyms.get(row.coder_b, "?"),
            a.event_id if a else "", b.event_id if b else "",
            int(a is not None and b is not None), "" if row.iou is None else f"{row.iou:.4f}",
            a.onset if a else "", b.onset if b else "", a.apex if a and a.apex is not None else "",
            b.apex if b and b.apex is not None else "", a.offset if a else "", b.offset if b else "",
            *("" if row.difference(name) is None else row.difference(name) for name in ("onset", "apex", "offset")),
            defuse(a.emotion) if a else "", defuse(b.emotion) if b else "", _aus(a), _aus(b), agreed, total,
        ])
    return out.getvalue()
