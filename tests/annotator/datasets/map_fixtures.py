"""A precomputed-map set in the composite layout: `<dataset>/<sub>_<filename>.png` + a label CSV.

Three datasets (casme2, samm, smic), a few subjects each, one 28 x 28 map per sample whose class
shows as a pattern (negative: u bright on the left; positive: v bright on the top; surprise: strain
bright in the centre) under noise, so a small network learns it from other subjects.
"""

import csv
from pathlib import Path

import numpy as np

SUBJECTS = {"casme2": ["sub01", "sub02", "sub03"], "samm": ["006", "007", "008"], "smic": ["s01", "s02", "s03"]}


def sample_name(dataset: str, subject: str, index: int) -> str:
    return {"casme2": f"EP0{index}_01f", "samm": f"{subject}_{index}_2", "smic": f"{subject}_ne_0{index}"}[dataset]


def class_map(label: int, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """(size, size, 3) uint8 RGB: u, v, strain."""
    image = rng.normal(60, 25, (size, size, 3))
    half = size // 2
    if label == 0:
        image[:, :half, 0] += 150
    elif label == 1:
        image[:half, :, 1] += 150
    else:
        image[size // 4: 3 * size // 4, size // 4: 3 * size // 4, 2] += 150
    return np.clip(image, 0, 255).astype(np.uint8)


def write_image(path: Path, rgb: np.ndarray) -> None:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), rgb[:, :, ::-1].copy())


def map_set(root: Path, *, per_subject: int = 3, seed: int = 0, size: int = 28,
            extra_columns: bool = True) -> tuple[Path, Path, list[dict]]:
    """(image folder, label CSV, rows written); every subject has one sample of each class (cycled)."""
    rng = np.random.default_rng(seed)
    images = root / "images"
    rows = []
    for dataset, subjects in SUBJECTS.items():
        for subject in subjects:
            for index in range(1, per_subject + 1):
                name = sample_name(dataset, subject, index)
                label = (index - 1) % 3
                write_image(images / dataset / f"{subject}_{name}.png", class_map(label, rng, size))
                row = {"dataset": dataset, "sub": subject, "filename_o": name, "label": label}
                if extra_columns:
                    row["apex"] = str(10 + index)
                rows.append(row)
    labels = root / "labels.csv"
    write_csv(labels, rows)
    return images, labels, rows


def write_csv(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
