"""FACS notation of a list of AUs, as the dataset sheets write it: "R12B+L14+4C".

Side letter first (L or R; none means both sides), then the AU number, then the intensity
letter A-E when coded. `parse_aus` reads what `format_aus` writes, plus the common variants
(prefix "AU", side after the number, spaces or commas between AUs); anything else is an error.
"""

import re

from annotator.facs import INTENSITIES

AU_TOKEN = re.compile(r"^(?:AU)?(?P<side>[LR])?(?P<number>\d{1,2})(?P<intensity>[A-E])?(?P<side_after>[LR])?$",
                      re.IGNORECASE)
SEPARATORS = re.compile(r"[+,\uff0c\s]+")


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
    """[{"number", "side", "intensity"}] in FACS order; NotationError names the token it cannot read."""
    text = (text or "").strip()
    if not text or text in {"-", "/"}:
        return []
    parsed = []
    for token in SEPARATORS.split(text):
        if not token:
            continue
        match = AU_TOKEN.match(token)
        if match is None or (match["side"] and match["side_after"]):
            raise NotationError(f"{token!r} is not an AU in FACS notation (for example R12B, 4, L14C).")
        side = (match["side"] or match["side_after"] or "").upper() or "both"
        intensity = (match["intensity"] or "").upper() or None
        parsed.append({"number": int(match["number"]), "side": side, "intensity": intensity})
    return sorted(parsed, key=au_key)
