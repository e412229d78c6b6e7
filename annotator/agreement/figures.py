"""Agreement plots (matplotlib's object API, no pyplot: no global state in a web process)."""

import io

from annotator.agreement.compute import Agreement


def _render(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def _empty(axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def apex_difference_figure(result: Agreement, fmt: str = "png") -> bytes:
    """Histogram of |apex A - apex B| in frames over matched events."""
    from matplotlib.figure import Figure

    differences = [row.difference("apex") for row in result.rows]
    differences = [d for d in differences if d is not None]
    figure = Figure(figsize=(6, 3.2))
    axes = figure.subplots()
    if not differences:
        _empty(axes, "No matched events with an apex from both coders")
    else:
        top = max(differences)
        axes.hist(differences, bins=range(0, top + 2), color="#4c72b0", edgecolor="white", align="left")
        axes.set_xlabel("|apex difference| (frames)")
        axes.set_ylabel("matched events")
        axes.set_title(f"Apex differences (n = {len(differences)})")
    return _render(figure, fmt)


def per_au_figure(result: Agreement, fmt: str = "png") -> bytes:
    """Agreement ratio per AU over matched events."""
    from matplotlib.figure import Figure

    rows = [row for row in result.per_au if row["ratio"] is not None]
    figure = Figure(figsize=(max(4, 0.45 * len(rows) + 1.5), 3.2))
    axes = figure.subplots()
    if not rows:
        _empty(axes, "No AUs on matched events")
    else:
        axes.bar([f"AU{row['au']}" for row in rows], [row["ratio"] for row in rows], color="#55a868")
        axes.set_ylim(0, 1)
        axes.set_ylabel("agreement ratio")
        axes.set_title("Per-AU agreement (2 x both / A + B)")
        axes.tick_params(axis="x", labelrotation=60)
    return _render(figure, fmt)


FIGURES = {"apex": apex_difference_figure, "aus": per_au_figure}
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
