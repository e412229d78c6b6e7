"""Named label mappings for composite sets, custom ones from a small JSON file, and the MEGC2019
ground-truth CSV (`dataset, sub, filename_o, label`, 0 negative, 1 positive, 2 surprise).

A mapping sends (source dataset, source emotion) to a composite class; an emotion it does not
name is dropped and counted as dropped, never guessed. Dataset names and emotions are matched
after normalisation (case, spaces, the public `comtempt` spelling), so "CASME II", "casme2" and
"CASME_II" are one dataset.

Sources: MEGC2019 from datasets.md (CASME II negative = disgust + repression only; SAMM negative
= anger, contempt, disgust, fear, sadness; SMIC-HS keeps its three folders). The CASME + CASME II
+ SMIC 3-class set and the fused 4- and 9-class sets of CASME, CASME II, CAS(ME)^2, SMIC and SAMM
are this project's reading of the survey protocol: 4 classes positive / negative / surprise /
others (tense and others -> others); 9 classes the emotions themselves with tense -> others, and
SMIC's coarse `negative` dropped there because it names no single emotion.
"""

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

DATASET_ALIASES = {
    "casme": "CASME", "casmei": "CASME", "casme2": "CASME II", "casmeii": "CASME II", "samm": "SAMM",
    "smic": "SMIC-HS", "smichs": "SMIC-HS", "cas(me)2": "CAS(ME)^2", "cas(me)^2": "CAS(ME)^2", "casmesq": "CAS(ME)^2",
    "casme^2": "CAS(ME)^2", "sammlv": "SAMM-LV", "casme3": "CAS(ME)^3", "casme3a": "CAS(ME)^3", "mmew": "MMEW",
}
EMOTION_ALIASES = {"comtempt": "contempt", "other": "others", "happy": "happiness", "surprised": "surprise",
                   "sad": "sadness", "angry": "anger", "disgusted": "disgust", "fearful": "fear"}
MAX_MAPPING_BYTES = 1 << 20
MAX_GROUND_TRUTH_BYTES = 16 << 20
MEGC_CLASSES = ("negative", "positive", "surprise")


class MappingError(ValueError):
    pass


def dataset_name(name: str) -> str:
    key = re.sub(r"[\s_\-]", "", (name or "").lower())
    return DATASET_ALIASES.get(key, (name or "").strip())


def emotion_name(emotion: str) -> str:
    key = (emotion or "").strip().lower()
    return EMOTION_ALIASES.get(key, key)


@dataclass(frozen=True)
class LabelMapping:
    name: str
    title: str
    classes: tuple[str, ...]
    datasets: dict  # canonical dataset name -> {normalised source emotion: class}

    def target(self, dataset: str, emotion: str) -> str | None:
        return self.datasets.get(dataset_name(dataset), {}).get(emotion_name(emotion))

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "classes": list(self.classes), "datasets": self.datasets}


def _same(*emotions: str) -> dict:
    return {emotion: emotion for emotion in emotions}


def _to(target: str, *emotions: str) -> dict:
    return {emotion: target for emotion in emotions}


CASME2_3 = {**_to("positive", "happiness"), **_to("surprise", "surprise"), **_to("negative", "disgust", "repression")}
SAMM_3 = {**_to("positive", "happiness"), **_to("surprise", "surprise"),
          **_to("negative", "anger", "contempt", "disgust", "fear", "sadness")}
SMIC_3 = _same("positive", "negative", "surprise")
CASME_3 = {**_to("positive", "happiness"), **_to("surprise", "surprise"),
           **_to("negative", "disgust", "sadness", "fear", "contempt", "repression")}
NEGATIVE_ALL = ("anger", "contempt", "disgust", "fear", "sadness", "repression")
FUSED_4_GENERIC = {**_to("positive", "happiness"), **_to("surprise", "surprise"), **_to("negative", *NEGATIVE_ALL),
                   **_to("others", "others", "tense")}
NINE = ("happiness", "surprise", "disgust", "fear", "sadness", "anger", "contempt", "repression", "others")
FUSED_9_GENERIC = {**_same(*NINE), "tense": "others"}

NAMED: dict[str, LabelMapping] = {m.name: m for m in (
    LabelMapping("megc2019", "MEGC2019 composite, 3 classes (CASME II + SAMM + SMIC-HS)", MEGC_CLASSES,
                 {"CASME II": CASME2_3, "SAMM": SAMM_3, "SMIC-HS": SMIC_3}),
    LabelMapping("casme_casme2_smic_3class", "CASME + CASME II + SMIC, 3 classes", MEGC_CLASSES,
                 {"CASME": CASME_3, "CASME II": CASME2_3, "SMIC-HS": SMIC_3}),
    LabelMapping("fused_4class", "Fused CASME, CASME II, CAS(ME)^2, SMIC, SAMM: 4 classes",
                 ("negative", "positive", "surprise", "others"),
                 {"CASME": FUSED_4_GENERIC, "CASME II": FUSED_4_GENERIC, "CAS(ME)^2": FUSED_4_GENERIC,
                  "SAMM": FUSED_4_GENERIC, "SMIC-HS": SMIC_3}),
    LabelMapping("fused_9class", "Fused CASME, CASME II, CAS(ME)^2, SMIC, SAMM: 9 classes", NINE,
                 {"CASME": FUSED_9_GENERIC, "CASME II": FUSED_9_GENERIC, "CAS(ME)^2": FUSED_9_GENERIC,
                  "SAMM": FUSED_9_GENERIC, "SMIC-HS": {"positive": "happiness", "surprise": "surprise"}}),
)}


def mapping_from_dict(data) -> LabelMapping:
    """A custom mapping: {"name", "classes": [...], "datasets": {dataset: {emotion: class}}}."""
    if not isinstance(data, dict):
        raise MappingError("A mapping is a JSON object with name, classes and datasets.")
    name, classes, datasets = data.get("name"), data.get("classes"), data.get("datasets")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}", name):
        raise MappingError("The mapping needs a name of 1-64 letters, digits, spaces, '.', '_' or '-'.")
    if (not isinstance(classes, list) or not 2 <= len(classes) <= 50
            or not all(isinstance(c, str) and 0 < len(c) <= 64 for c in classes) or len(set(classes)) != len(classes)):
        raise MappingError("classes: a list of 2 to 50 distinct class names (at most 64 characters each).")
    if not isinstance(datasets, dict) or not datasets:
        raise MappingError("datasets: an object {dataset: {source emotion: class}}.")
    cleaned = {}
    for dataset, table in datasets.items():
        if not isinstance(table, dict):
            raise MappingError(f"datasets.{dataset}: an object {{source emotion: class}}.")
        for source, target in table.items():
            if target not in classes:
                raise MappingError(f"datasets.{dataset}.{source}: {target!r} is not one of the classes.")
        cleaned[dataset_name(str(dataset))] = {emotion_name(str(s)): t for s, t in table.items()}
    return LabelMapping(name=name, title=str(data.get("title") or name)[:200], classes=tuple(classes), datasets=cleaned)


def mapping_from_file(path: Path) -> LabelMapping:
    path = Path(path)
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise MappingError("The mapping file is larger than 1 MiB.")
    try:
        return mapping_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(f"The mapping file is not JSON: {exc}") from None


def mapping_named(name_or_path: str) -> LabelMapping:
    if name_or_path in NAMED:
        return NAMED[name_or_path]
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.is_file():
        return mapping_from_file(path)
    raise MappingError(f"Unknown mapping {name_or_path!r}; choose one of {', '.join(NAMED)} or give a .json file.")


def subject_key(code: str) -> str:
    """s1, s01, sub01 and 1 are one subject within a dataset; 006 and 6 too."""
    digits = re.findall(r"\d+", code or "")
    return str(int("".join(digits))) if digits else (code or "").strip().lower()


def clip_key(name: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group())), (name or "").strip().lower())


def ground_truth(path: Path) -> dict[tuple[str, str, str], str]:
    """(dataset, subject key, clip key) -> class, from the official composite CSV."""
    path = Path(path)
    if path.stat().st_size > MAX_GROUND_TRUTH_BYTES:
        raise MappingError("The ground-truth CSV is larger than 16 MiB.")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in reader.fieldnames or []]
        missing = {"dataset", "sub", "filename_o", "label"} - set(fields)
        if missing:
            raise MappingError(f"The ground-truth CSV lacks the columns {', '.join(sorted(missing))}.")
        reader.fieldnames = fields
        truth = {}
        for line, row in enumerate(reader, start=2):
            label = (row["label"] or "").strip()
            if label not in {"0", "1", "2"}:
                raise MappingError(f"ground truth row {line}: label {label[:10]!r} is not 0, 1 or 2.")
            key = (dataset_name(row["dataset"]), subject_key(row["sub"]), clip_key(row["filename_o"]))
            truth[key] = MEGC_CLASSES[int(label)]
    return truth
