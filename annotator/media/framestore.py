"""Where a clip's decoded frames live: MEDIA_ROOT/clips/<clip id>/...

Names are built from integers only; nothing a user typed ever becomes a path.
"""

import json
import os
import shutil
from pathlib import Path


class FrameStore:
    def __init__(self, media_root: Path, clip_id: int):
        self.root = Path(media_root) / "clips" / str(int(clip_id))

    @property
    def frames_dir(self) -> Path:
        return self.root / "frames"

    @property
    def faces_dir(self) -> Path:
        return self.root / "faces"

    @property
    def landmarks_path(self) -> Path:
        return self.root / "landmarks.npy"

    @property
    def maps_path(self) -> Path:
        """A map sample's (3, H, W) float32 maps, read by the ML side instead of computing flow."""
        return self.root / "maps.npy"

    @property
    def meta_path(self) -> Path:
        return self.root / "meta.json"

    def frame_path(self, frame_id: int) -> Path:
        return self.frames_dir / f"{int(frame_id):06d}.jpg"

    def face_path(self, frame_id: int) -> Path:
        return self.faces_dir / f"{int(frame_id):06d}.jpg"

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    def reset(self) -> None:
        """Forget every derived file (frames, faces, landmarks, analyses), keeping the stored source."""
        if self.root.exists():
            for entry in self.root.iterdir():
                if entry.name == self.source_dir.name:
                    continue
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        self.frames_dir.mkdir(parents=True)

    def reset_faces(self) -> None:
        shutil.rmtree(self.faces_dir, ignore_errors=True)
        self.faces_dir.mkdir(parents=True)

    def write_meta(self, meta: dict) -> None:
        tmp = self.meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, indent=1))
        os.replace(tmp, self.meta_path)

    def read_meta(self) -> dict:
        return json.loads(self.meta_path.read_text()) if self.meta_path.exists() else {}

    def delete(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
