"""Unpacking an uploaded dataset archive (zip or tar) as hostile input.

Everything is checked before one byte is written: member names (no absolute paths, no `..`, no
backslashes), member types (regular files and folders only: no symbolic or hard links, no devices),
the number of entries, the total unpacked size and the compression ratio. Writing then stops at
each member's declared size, so a member that lies about its size cannot grow past it.
"""

import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from annotator.datasets.base import DatasetError

CHUNK = 1 << 20
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


@dataclass(frozen=True)
class Member:
    name: str
    is_dir: bool
    size: int


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def safe_member_path(name: str) -> PurePosixPath:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise DatasetError(f"The archive holds an unsafe path ({name[:100]!r}): absolute paths are refused.")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise DatasetError(f"The archive holds an unsafe path ({name[:100]!r}): '..' is refused.")
    return path


def _zip_members(archive: zipfile.ZipFile, limits: dict) -> list[Member]:
    members = []
    for count, info in enumerate(archive.infolist(), start=1):
        if count > limits["MAX_ARCHIVE_ENTRIES"]:
            raise DatasetError(f"The archive holds more than {limits['MAX_ARCHIVE_ENTRIES']} entries, this "
                               "server's limit; import a dataset this large from a server folder instead.")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise DatasetError(f"The archive holds a symbolic link ({info.filename[:100]!r}); links are refused.")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: written without a type
            raise DatasetError(f"The archive holds a special file ({info.filename[:100]!r}); it is refused.")
        safe_member_path(info.filename)
        if info.file_size > 1 << 20 and info.file_size > limits["MAX_RATIO"] * max(info.compress_size, 1):
            raise DatasetError(f"{info.filename[:100]!r} is compressed more than {limits['MAX_RATIO']}:1: "
                               "the archive looks like a compression bomb.")
        members.append(Member(info.filename, info.is_dir(), info.file_size))
    return members


def _tar_members(archive: tarfile.TarFile, limits: dict) -> list[Member]:
    members = []
    for count, info in enumerate(archive, start=1):
        if count > limits["MAX_ARCHIVE_ENTRIES"]:
            raise DatasetError(f"The archive holds more than {limits['MAX_ARCHIVE_ENTRIES']} entries, this "
                               "server's limit; import a dataset this large from a server folder instead.")
        if info.issym() or info.islnk():
            raise DatasetError(f"The archive holds a link ({info.name[:100]!r}); links are refused.")
        if not (info.isfile() or info.isdir()):
            raise DatasetError(f"The archive holds a special file ({info.name[:100]!r}); it is refused.")
        safe_member_path(info.name)
        members.append(Member(info.name, info.isdir(), info.size))
    return members


def _check_totals(members: list[Member], archive_size: int, limits: dict) -> None:
    total = sum(member.size for member in members)
    if total > limits["MAX_UNPACKED_BYTES"]:
        raise DatasetError(f"The archive unpacks to {total} bytes, over this server's limit of "
                           f"{limits['MAX_UNPACKED_BYTES']}.")
    if total > 1 << 20 and total > limits["MAX_RATIO"] * max(archive_size, 1):
        raise DatasetError(f"The archive unpacks to {total} bytes from {archive_size}: more than "
                           f"{limits['MAX_RATIO']}:1, it looks like a compression bomb.")


def _write(reader, target: Path, size: int) -> None:
    written = 0
    with open(target, "xb") as out:
        while chunk := reader.read(min(CHUNK, size - written + 1)):
            written += len(chunk)
            if written > size:
                raise DatasetError(f"{target.name} holds more bytes than the archive declares; refused.")
            out.write(chunk)


def _place(dest: Path, member: Member) -> Path | None:
    target = dest.joinpath(*safe_member_path(member.name).parts)
    if dest.resolve() not in target.resolve().parents and target.resolve() != dest.resolve():
        raise DatasetError(f"The archive path {member.name[:100]!r} leaves the dataset folder; refused.")
    if member.is_dir:
        target.mkdir(parents=True, exist_ok=True)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def extract_archive(archive_path: Path, dest: Path, limits: dict) -> None:
    """Unpack a .zip or .tar[.gz|.bz2|.xz] into dest, or raise DatasetError; the caller removes dest on error."""
    archive_path = Path(archive_path)
    size = archive_path.stat().st_size
    if size > limits["MAX_ARCHIVE_BYTES"]:
        raise DatasetError(f"The archive is {size} bytes, over this server's limit of {limits['MAX_ARCHIVE_BYTES']}.")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive_path):
            _extract_zip(archive_path, dest, size, limits)
        else:
            _extract_tar(archive_path, dest, size, limits)
    except FileExistsError:
        raise DatasetError("The archive holds the same file twice; refused.") from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, RuntimeError) as exc:
        raise DatasetError(f"The archive cannot be read ({type(exc).__name__}): upload a .zip or .tar file.") from None


def _extract_zip(archive_path: Path, dest: Path, size: int, limits: dict) -> None:
    with zipfile.ZipFile(archive_path) as archive:
        members = _zip_members(archive, limits)
        _check_totals(members, size, limits)
        for member in members:
            target = _place(dest, member)
            if target is not None:
                with archive.open(member.name) as reader:
                    _write(reader, target, member.size)


def _extract_tar(archive_path: Path, dest: Path, size: int, limits: dict) -> None:
    with tarfile.open(archive_path, mode="r:*") as archive:
        members = _tar_members(archive, limits)
        _check_totals(members, size, limits)
        by_name = {info.name: info for info in archive.getmembers()}
        for member in members:
            target = _place(dest, member)
            if target is not None:
                _write(archive.extractfile(by_name[member.name]), target, member.size)
