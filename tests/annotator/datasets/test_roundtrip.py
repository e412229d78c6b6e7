"""Import -> export -> import: a CASME II sheet MEStudio exports imports back to the very same events."""

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from annotator.models import CodingEvent, Project, Subject
from annotator.services.datasets import dataset_import
from annotator.services.exports import export_create, export_path
from tests.annotator.datasets import fixtures

EMOTIONS = ["happiness", "disgust", "surprise", "repression", "others", "fear", "sadness"]


def events_of(project) -> list[tuple]:
    return sorted(
        (e.clip.subject.code, e.clip.name, e.onset, -1 if e.apex is None else e.apex, e.offset, e.emotion,
         tuple(sorted((au["number"], au["side"], au["intensity"] or "") for au in e.aus)))
        for e in CodingEvent.objects.filter(clip__project=project).select_related("clip__subject")
    )


def round_trip(source: Path, work: Path, name: str) -> tuple[list, list]:
    first = Project.objects.create(name=f"{name} first", emotion_labels=EMOTIONS)
    dataset_import(project=first, format="casme2", root=source, align=False)
    Subject.objects.filter(project=first).update(consent_given=True)
    export = export_create(project=first, user=None, format="casme2_xlsx")
    assert export.status == export.Status.READY, export.error

    again = work / "again"
    shutil.copytree(source / "CASME2_RAW_selected", again / "CASME2_RAW_selected")
    shutil.copy(export_path(export), again / "CASME2-coding-exported.xlsx")
    second = Project.objects.create(name=f"{name} second", emotion_labels=EMOTIONS)
    dataset_import(project=second, format="casme2", root=again, align=False)
    return events_of(first), events_of(second)


@pytest.mark.django_db
def test_the_quirky_fixture_comes_back_identical(tmp_path):
    first, second = round_trip(fixtures.casme2(tmp_path / "casme2"), tmp_path, "fixture")
    assert len(first) == 5  # the five rows the fixture imports (three are skipped as unmappable)
    assert second == first


AU = st.fixed_dictionaries({"number": st.sampled_from([1, 2, 4, 6, 7, 12, 14, 15, 17]),
                            "side": st.sampled_from(["L", "R", ""]), "intensity": st.sampled_from(["", "A", "C", "E"])})


@st.composite
def sheet_rows(draw) -> list[list]:
    """Up to six events with distinct timings (the importer knows an event again by its timing)."""
    rows, timings = [], set()
    for _ in range(draw(st.integers(1, 6))):
        onset = draw(st.integers(46, 53))
        offset = draw(st.integers(onset, 53))
        apex = draw(st.one_of(st.none(), st.integers(onset, offset)))
        if (onset, apex, offset) in timings:
            continue
        timings.add((onset, apex, offset))
        aus = draw(st.lists(AU, max_size=3, unique_by=lambda au: (au["number"], au["side"])))
        text = "+".join(f"{au['side']}{au['number']}{au['intensity']}" for au in aus)
        rows.append([1, "EP02_01f", None, onset, apex, offset, None, text, draw(st.sampled_from(EMOTIONS))])
    return rows


@pytest.mark.django_db
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=sheet_rows())
def test_any_sheet_comes_back_identical(rows, tmp_path_factory):
    root = tmp_path_factory.mktemp("casme2")
    fixtures.frames(root / "CASME2_RAW_selected" / "sub01" / "EP02_01f", [f"img{n}.jpg" for n in range(46, 54)])
    fixtures.workbook(root / "CASME2-coding-20140508.xlsx", {"Sheet1": [fixtures.CASME2_HEADER, *rows]})
    first, second = round_trip(root, root, root.name)
    assert len(first) == len(rows)
    assert second == first
