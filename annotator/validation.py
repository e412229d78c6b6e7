import re

from django.core.exceptions import ValidationError

from annotator.facs import INTENSITIES, SIDES

SUBJECT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
# Free text typed by people (event and subject notes, project descriptions): enough for a paragraph of
# comments, small enough that no one stores a document in a row that every list view and export reads.
FREE_TEXT_MAX_LENGTH = 5000


def validate_free_text(value, name: str, max_length: int = FREE_TEXT_MAX_LENGTH) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: f"{name} must be text."})
    if len(value) > max_length:
        raise ValidationError({name: f"{name} is {len(value)} characters long; at most {max_length} are kept."})
    return value


def validate_subject_code(code: str) -> str:
    code = (code or "").strip()
    if not SUBJECT_CODE.match(code):
        raise ValidationError({"code": (
            "A subject code is a pseudonym of 1-32 letters, digits, '.', '_' or '-' (for example S01); "
            "never a participant's name."
        )})
    return code


def normalise_aus(aus, allowed: set[int]) -> list[dict]:
    """Validate a list of {number, side, intensity}; one entry per AU number and side."""
    if not isinstance(aus, list):
        raise ValidationError({"aus": "AUs must be a list of {number, side, intensity} objects."})
    cleaned, seen = [], set()
    for item in aus:
        if not isinstance(item, dict):
            raise ValidationError({"aus": "Each AU must be an object with number, side and intensity."})
        number, side, intensity = item.get("number"), item.get("side", "both"), item.get("intensity")
        if not isinstance(number, int) or isinstance(number, bool) or number not in allowed:
            raise ValidationError({"aus": f"AU {number!r} is not in this project's AU set."})
        if side not in SIDES:
            raise ValidationError({"aus": f"AU{number}: side must be one of L, R, both."})
        if intensity not in (None, "", *INTENSITIES):
            raise ValidationError({"aus": f"AU{number}: intensity must be A-E or empty."})
        if (number, side) in seen:
            raise ValidationError({"aus": f"AU{number} side {side} is listed twice."})
        seen.add((number, side))
        cleaned.append({"number": number, "side": side, "intensity": intensity or None})
    return sorted(cleaned, key=lambda au: (au["number"], au["side"]))
