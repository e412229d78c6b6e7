"""Lost updates: 10 writers save the same events at once through the HTTP API, each with its own database
connection (a thread per writer), as two tabs or two coders would. Every accepted write is in the history with
the version it made, every refused one was stale and got 409 with the saved state, and nothing answers 5xx.

Runs in both passes: on SQLite (embedded) and, when DATABASE_URL names PostgreSQL, there. SQLite serialises
writers and is slower per request on a small machine, so it makes 30 saves per writer; PostgreSQL 100.
"""

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from annotator.models import Clip, CodingEvent, EventRevision
from annotator.services.events import event_create
from annotator.services.projects import subject_create

WRITERS = 10
SAVES = 100 if connection.vendor == "postgresql" else 30
EVENTS = 2


def writer(client: APIClient, event_ids: list[int], name: str, saves: int, results: list, failures: list,
           start: threading.Barrier) -> None:
    known = {pk: 1 for pk in event_ids}
    try:
        start.wait()
        for k in range(saves):
            pk = event_ids[k % len(event_ids)]
            notes = f"{name}-{k}"
            response = client.patch(f"/api/events/{pk}/", {"version": known[pk], "notes": notes}, format="json")
            body = response.json()
            if response.status_code == 200:
                results.append(("ok", pk, known[pk], body["version"], notes))
                known[pk] = body["version"]
            elif response.status_code == 409:
                results.append(("stale", pk, known[pk], body["current"]["version"], notes))
                known[pk] = body["current"]["version"]
            else:
                failures.append((response.status_code, body))
    except Exception as exc:  # a thread's exception would vanish: hand it to the test
        failures.append(("exception", repr(exc)))
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_update(project, lead, coder):
    subject = subject_create(project=project, code="S01")
    clip = Clip.objects.create(project=project, subject=subject, name="race", source="race",
                               status=Clip.Status.READY, frame_count=100, fps=200)
    event_ids = [event_create(clip=clip, coder=coder, onset=10 + i, offset=20 + i).pk for i in range(EVENTS)]
    clients = []
    for i in range(WRITERS):
        client = APIClient()
        client.force_login(coder if i % 2 else lead)  # the coder in several tabs, and the lead
        clients.append(client)
    results, failures = [], []
    start = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=writer, args=(c, event_ids, f"w{i}", SAVES, results, failures, start))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == [], failures[:5]
    assert len(results) == WRITERS * SAVES
    outcome = Counter(kind for kind, *_ in results)
    for pk in event_ids:
        accepted = [(sent, made, notes) for kind, e, sent, made, notes in results if kind == "ok" and e == pk]
        made_versions = sorted(made for _, made, _ in accepted)
        event = CodingEvent.objects.get(pk=pk)
        assert made_versions == list(range(2, event.version + 1)), "each accepted write made the next version"
        assert all(made == sent + 1 for sent, made, _ in accepted)
        history = set(EventRevision.objects.filter(event_id_value=pk, action="update").values_list(
            "version", "snapshot__notes"))
        assert history == {(made, notes) for _, made, notes in accepted}, "every accepted write is in the history"
        latest = max(accepted, key=lambda row: row[1])
        assert event.notes == latest[2]
    for kind, _, sent, current, _ in results:
        if kind == "stale":
            assert current > sent, "a 409 only for a version someone else had already moved past"
    assert outcome["ok"] >= EVENTS and outcome["ok"] + outcome["stale"] == WRITERS * SAVES
