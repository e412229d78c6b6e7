"""FACS notation of a list of AUs, as the dataset sheets write it: "R12B+L14+4C".

Side letter first (L or R; none means both sides), then the AU number, then the intensity
letter A-E when coded. `parse_aus` reads what `format_aus` writes, plus the common variants
(prefix "AU", side after the number, spaces or commas between AUs); anything else is an error.
"""

from annotator.datasets.aus import parse_aus as parse_au_cell


class NotationError(ValueError):
    pass


def au_key(au: dict) -> tuple:
    return (au["number"], au.get("side") or "both")


def format_au(au: dict) -> str:
    side = au.get("side") or "both"
    return f"{'' if side == 'both' else side}{au['number']}{au.get('intensity') or ''}"


def format_aus(aus) -> str:
    return "+".join(format_au(au) for au in sorted(aus, key=au_key))


def parse_aus(text: str) -> list[dict]:
    """[{"number", "side", "intensity"}] in FACS order, read as the dataset importers read AU cells;
    NotationError names the first token it cannot read."""
    text = (text or "").strip()
    if text == "-":
        return []
    parsed = parse_au_cell(text)
    if parsed.unparsed:
        raise NotationError(f"{parsed.unparsed[0]!r} is not an AU in FACS notation (for example R12B, 4, L14C).")
    return parsed.aus
