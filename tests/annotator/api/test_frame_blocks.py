"""Frame blocks: BLOCK frames in one response, byte for byte the single-frame responses, behind the same checks."""

import pytest
from rest_framework.test import APIClient

from annotator.api.frames import BLOCK


def split(response) -> list[bytes]:
    body, parts, offset = response.content, [], 0
    for length in map(int, response["X-Frame-Lengths"].split(",")):
        parts.append(body[offset:offset + length])
        offset += length
    assert offset == len(body)
    return parts


@pytest.mark.django_db
def test_a_block_holds_the_same_bytes_as_the_frames_it_spans(coder_api, ready_clip):
    last_block = (ready_clip.frame_count - 1) // BLOCK
    for block in (0, last_block):
        url = f"/api/clips/{ready_clip.pk}/frames/blocks/{block}.bin?g={ready_clip.ingest_generation}"
        response = coder_api.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, max-age=31536000, immutable"
        first = int(response["X-First-Frame"])
        assert first == block * BLOCK
        parts = split(response)
        assert len(parts) == min(BLOCK, ready_clip.frame_count - first)
        for offset, part in enumerate(parts):
            single = coder_api.get(f"/api/clips/{ready_clip.pk}/frames/{first + offset}.jpg")
            assert part == single.content


@pytest.mark.django_db
def test_blocks_are_refused_outside_the_clip_to_strangers_and_for_an_old_ingest(coder_api, outsider, ready_clip):
    past = (ready_clip.frame_count + BLOCK - 1) // BLOCK
    assert coder_api.get(f"/api/clips/{ready_clip.pk}/frames/blocks/{past}.bin").status_code == 404
    stale = f"/api/clips/{ready_clip.pk}/frames/blocks/0.bin?g={ready_clip.ingest_generation + 1}"
    assert coder_api.get(stale).status_code == 404
    assert APIClient().get(f"/api/clips/{ready_clip.pk}/frames/blocks/0.bin").status_code == 401
    stranger = APIClient()
    stranger.force_login(outsider)
    assert stranger.get(f"/api/clips/{ready_clip.pk}/frames/blocks/0.bin").status_code == 404
