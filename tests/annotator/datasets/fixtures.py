"""Tiny datasets built to each documented layout (../shared/reference/datasets.md), quirks included."""

from pathlib import Path

import cv2
import numpy as np
from openpyxl import Workbook


def jpeg(shade: int = 128, size: int = 8) -> bytes:
    image = np.full((size, size, 3), shade % 256, dtype=np.uint8)
    image[0, 0] = (shade * 7) % 256  # frames differ, so a copy can be told from its neighbour
    return cv2.imencode(".jpg", image)[1].tobytes()


def bmp(shade: int = 128, size: int = 8) -> bytes:
    return cv2.imencode(".bmp", np.full((size, size, 3), shade % 256, dtype=np.uint8))[1].tobytes()


def frames(folder: Path, names: list[str], maker=jpeg) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names):
        (folder / name).write_bytes(maker(index * 10))


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


CASME2_HEADER = ["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None, "Action Units",
                 "Estimated Emotion"]


def casme2(root: Path) -> Path:
    """Two subjects; frames img46..img53 and img1..img6; empty and `/` apex, an offset typo, an `or` AU."""
    base = root / "CASME2_RAW_selected"
    frames(base / "sub01" / "EP02_01f", [f"img{n}.jpg" for n in range(46, 54)])
    frames(base / "sub02" / "EP03_02", [f"img{n}.jpg" for n in range(1, 7)])
    frames(root / "Cropped" / "sub01" / "EP02_01f", [f"reg_img{n}.jpg" for n in range(46, 54)])
    workbook(root / "CASME2-coding-20140508.xlsx", {"Sheet1": [
        CASME2_HEADER,
        [1, "EP02_01f", None, 46, 49, 53, None, "12", "happiness"],  # clean
        [1, "EP02_01f", None, 47, None, 50, None, "R12+L14A", "happiness"],  # empty apex
        [2, "EP03_02", None, 1, "/", 5, None, "4+7", "disgust"],  # `/` apex
        [2, "EP03_02", None, 5, 3, 2, None, "4", "repression"],  # offset typo: before onset
        [1, "EP02_01f", None, 46, 48, 60, None, "1+2", "surprise"],  # offset beyond the folder
        [2, "EP03_02", None, 2, 3, 4, None, "4 or 7", "others"],  # AU text with `or`
        [2, "EP03_02", None, 1, 2, 3, None, "AU4，AU7", "tense"],  # full-width comma, emotion outside set
        [3, "EP01_01", None, 1, 2, 3, None, "4", "fear"],  # no frame folder
    ]})
    return root


def samm(root: Path) -> Path:
    """13 text rows above the header; 5-digit absolute frame numbers."""
    frames(root / "SAMM" / "006" / "006_1_2", [f"006_{n:05d}.jpg" for n in range(5562, 5570)])
    text = [[f"SAMM dataset notes line {i}"] for i in range(13)]
    header = ["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame", "Duration",
              "Micro", "Action Units", "Estimated Emotion", "Objective Classes", "Notes"]
    workbook(root / "SAMM_Micro_FACS_Codes_v2.xlsx", {"FACS": text + [header, [
        6, "006_1_2", 1, 5562, 5565, 5569, 8, "Micro", "R12 + R15", "Contempt", 3, None,
    ], [6, "006_1_2", 1, 5563, 5564, 5566, 4, "Micro", "R14A", "Other", 7, None]]})
    return root


def casme(root: Path) -> Path:
    """Sections A and B, each with its own sheet; padded and unpadded `<Filename>-<n>.jpg` frames."""
    frames(root / "CASME_A" / "Section A" / "sub01" / "EP01_6", [f"EP01_6-{n:03d}.jpg" for n in range(1, 9)])
    frames(root / "CASME_B" / "Section B" / "sub08" / "EP10", [f"EP10-{n}.jpg" for n in range(1, 9)])
    header = ["Subject", "Filename", None, "OnsetF", "ApexF1", "ApexF2", "OffsetF", None, "Action Units", None,
              None, "Emotion"]
    workbook(root / "CASME_A" / "Section A.xlsx", {"Sheet1": [
        header, [1, "EP01_6", None, 2, 4, 5, 7, None, "4+L10", None, None, "disgust"]]})
    workbook(root / "CASME_B" / "Section B.xlsx", {"Sheet1": [
        header, [8, "EP10", None, 1, 3, None, 6, None, "12", None, None, "comtempt"]]})
    return root


def smic(root: Path) -> Path:
    """Unpadded subject folders (s1) normalised to s01; BMP frames; no apex."""
    frames(root / "HS" / "s1" / "micro" / "positive" / "s1_po_01", [f"image{n:06d}.bmp" for n in range(120, 126)],
           maker=bmp)
    frames(root / "HS" / "s1" / "non_micro" / "s1_xx_01", [f"image{n:06d}.bmp" for n in range(1, 4)], maker=bmp)
    return root


def smic_e(root: Path) -> Path:
    frames(root / "SMIC-E" / "s1" / "s1_ne_01", [f"image{n:06d}.bmp" for n in range(1000, 1010)], maker=bmp)
    workbook(root / "SMIC-HS-E_annotation.xlsx", {"Sheet1": [
        ["Subject", "Filename", "OnsetF", "OffsetF", "FirstF", "Emotion"],
        [1, "s1_ne_01", 1002, 1007, 1000, "negative"],
        [None, "free text after the last row", None, None, None, None],
    ]})
    return root


def casme_sq(root: Path) -> Path:
    """Headerless first sheet (named CASMEcode_final), naming-rule sheets, offset 0."""
    frames(root / "rawpic" / "s15" / "15_0401girlcrashing", [f"img{n}.jpg" for n in range(1, 11)])
    workbook(root / "CAS(ME)^2code_final.xlsx", {
        "CASMEcode_final": [
            [1, "anger1_1", 2, 4, 6, "4+7", "anger", "micro-expression", "angry"],
            [1, "anger1_2", 3, 5, 0, "12", "happiness", "macro-expression", "happy"],
        ],
        "naming rule1": [["name", "15", 1]],
        "naming rule2": [["0401", "anger1"]],
    })
    return root


def samm_lv(root: Path) -> Path:
    """4-digit padding in one video, 5-digit in another; -1 = missing apex."""
    frames(root / "SAMM_longvideos" / "006_1", [f"006_1_{n:04d}.jpg" for n in range(1, 11)])
    frames(root / "SAMM_longvideos" / "007_2", [f"007_2_{n:05d}.jpg" for n in range(1, 11)])
    text = [[f"notes {i}"] for i in range(10)]
    header = ["Subject", "Filename", "Inducement Code", "Onset", "Apex", "Offset", "Duration", "Type",
              "Action Units", "Notes"]
    workbook(root / "SAMM_LongVideos_V2_Release.xlsx", {"FACS_Movement_Only": text + [
        header, [6, "006_1_1", 1, 2, 4, 8, 7, "Micro - 1/2", "R12", None],
        [7, "007_2_3", 1, 3, -1, 9, 7, "Macro", "4+7", None]]})
    return root


def casme3a(root: Path) -> Path:
    """Unpadded frames in color/, depth beside; two events in one video; full-width comma in AUs."""
    frames(root / "part_A" / "spNO.1" / "b" / "color", [f"{n}.jpg" for n in range(175, 185)])
    frames(root / "part_A" / "spNO.1" / "b" / "depth", [f"{n}.png" for n in range(175, 185)])
    workbook(root / "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx", {"label": [
        ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"],
        ["spNO.1", "b", 175, 177, 180, "L1，R2", "I", "happy"],
        ["spNO.1", "b", 181, 182, 184, "4", "II", "disgust"],
    ]})
    return root


def mmew(root: Path) -> Path:
    frames(root / "Micro_Expression" / "happiness" / "S01-01-001", [f"{n}.jpg" for n in range(1, 9)])
    workbook(root / "MMEW_Micro_Exp.xlsx", {"Sheet1": [
        ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion",
         "remarks"],
        ["S01", "S01-01-001", 1, 4, 8, "AU6+AU12", "happiness", None],
    ]})
    return root


BUILDERS = {"casme": casme, "casme2": casme2, "samm": samm, "smic": smic, "smic_e": smic_e, "casme_sq": casme_sq,
            "samm_lv": samm_lv, "casme3a": casme3a, "mmew": mmew}


def huge_sheet(path: Path, rows: int) -> Path:
    """A valid .xlsx whose one sheet has `rows` rows, streamed as XML (openpyxl would take minutes)."""
    import zipfile

    workbook(path, {"Sheet1": [CASME2_HEADER]})
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name != sheet:
                target.writestr(name, data)
        with target.open(sheet, "w") as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                      b'spreadsheetml/2006/main"><sheetData>')
            for start in range(0, rows, 10_000):
                out.write(b"".join(b'<row r="%d"><c><v>1</v></c></row>' % n
                                   for n in range(start + 2, min(start + 10_000, rows) + 2)))
            out.write(b"</sheetData></worksheet>")
    return path
