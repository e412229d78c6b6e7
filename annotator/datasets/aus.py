"""FACS Action Unit strings as the datasets write them: `R12 + R15`, `R14A`, `4+7`, `AU4，AU7`, `12L`."""

import re
from dataclasses import dataclass

SEPARATORS = re.compile(r"[+,，;/\s]+")
TOKEN = re.compile(r"^(?:AU)?([LRB])?(?:AU)?(\d{1,2})([LR])?([A-E])?$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAUs:
    aus: list[dict]
    unparsed: list[str]


def parse_aus(raw) -> ParsedAUs:
    """Every token parsed to {number, side, intensity}, or nothing at all: a partly read string is not a code.

    Side: "L", "R" or "both" (no side written); intensity "A".."E" or None, as the event API stores them.
    """
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if not text:
        return ParsedAUs([], [])
    parsed, unparsed, seen = [], [], set()
    for token in filter(None, SEPARATORS.split(text)):
        match = TOKEN.match(token)
        if not match or (match.group(1) and match.group(3)):
            unparsed.append(token)
            continue
        side_before, number, side_after, intensity = match.groups()
        side = (side_before or side_after or "").upper()
        side = {"L": "L", "R": "R"}.get(side, "both")
        key = (int(number), side)
        if key in seen:
            continue
        seen.add(key)
        parsed.append({"number": int(number), "side": side, "intensity": intensity.upper() if intensity else None})
    if unparsed:
        return ParsedAUs([], unparsed)
    return ParsedAUs(sorted(parsed, key=lambda au: (au["number"], au["side"])), [])
