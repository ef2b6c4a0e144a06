"""Content-addressed artifacts: a directory per (kind, hash of inputs, version), written atomically.

`artifact(kind, inputs, build)` returns the directory of a finished artifact, building it
if needed. A build works in `<key>.partial/`, which survives an interruption so the
builder can resume from what it left there; when it returns, a manifest with the sha256
of every file is written and the directory is renamed into place in one step. A finished
artifact whose files do not match its manifest is reported, removed and rebuilt: a
half-written or corrupted file is never read back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import paths

MANIFEST = "MANIFEST.json"


def cache_root() -> Path:
    return paths.CACHE_DIR


def _canonical(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _canonical(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_canonical(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float | int | str | bool) or obj is None:
        return obj
    raise TypeError(f"cannot hash a {type(obj).__name__} into a cache key")


def artifact_key(kind: str, inputs: Any, version: int = 1) -> str:
    """Stable hash of everything an artifact depends on."""
    blob = json.dumps(
        {"kind": kind, "version": version, "inputs": _canonical(inputs)}, sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def directory_identity(path: Path) -> dict:
    """A model directory in a cache key: every file's name, size and modification time
    (hashing gigabytes of weights each time a key is computed would cost more than it saves)."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path)): [p.stat().st_size, p.stat().st_mtime_ns] for p in files}


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_manifest(directory: Path, kind: str, inputs: Any, version: int) -> None:
    files = {
        str(p.relative_to(directory)): file_digest(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {
        "kind": kind,
        "version": version,
        "inputs": _canonical(inputs),
        "files": files,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, directory / MANIFEST)


def verify(directory: Path) -> str | None:
    """None if the artifact is intact, else what is wrong with it."""
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        return "no manifest"
    try:
        files = json.loads(manifest_path.read_text())["files"]
    except (json.JSONDecodeError, KeyError) as err:
        return f"unreadable manifest ({err})"
    for name, digest in files.items():
        path = directory / name
        if not path.exists():
            return f"missing file {name}"
        if file_digest(path) != digest:
            return f"file {name} does not match its checksum"
    return None


def _salvage(final: Path, work: Path) -> int:
    """Turn a corrupt artifact back into an interrupted build: files that match the manifest
    stay (a resumable build continues from them, e.g. pretraining from its last intact
    checkpoint), the rest and the manifest go. Returns the number of files kept."""
    try:
        digests = json.loads((final / MANIFEST).read_text())["files"]
    except (OSError, json.JSONDecodeError, KeyError):
        digests = {}
    kept = 0
    for path in sorted(p for p in final.rglob("*") if p.is_file()):
        name = str(path.relative_to(final))
        if file_digest(path) == digests.get(name):
            kept += 1
        else:
            path.unlink()
    if work.exists():
        shutil.rmtree(work)
    os.replace(final, work)
    return kept


def lookup(kind: str, inputs: Any, version: int = 1, root: Path | None = None) -> Path | None:
    """The finished, intact directory for these inputs, or None (never builds)."""
    root = Path(root) if root is not None else cache_root()
    final = root / kind / artifact_key(kind, inputs, version)
    return final if final.exists() and verify(final) is None else None


def artifact(
    kind: str,
    inputs: Any,
    build: Callable[[Path], None],
    version: int = 1,
    root: Path | None = None,
    quiet: bool = False,
) -> Path:
    """The finished directory for (kind, inputs, version), calling `build(workdir)` if needed."""
    root = Path(root) if root is not None else cache_root()
    key = artifact_key(kind, inputs, version)
    final = root / kind / key
    work = root / kind / f"{key}.partial"
    if final.exists():
        problem = verify(final)
        if problem is None:
            if not quiet:
                print(f"[cache] {kind}/{key}: reused")
            return final
        kept = _salvage(final, work)
        print(f"[cache] {kind}/{key}: corrupt ({problem}); rebuilding from {kept} intact files")
    if work.exists() and not quiet:
        print(f"[cache] {kind}/{key}: resuming an interrupted build")
    work.mkdir(parents=True, exist_ok=True)
    build(work)
    _write_manifest(work, kind, inputs, version)
    os.replace(work, final)
    return final


def build_in_chunks(
    work: Path,
    n_items: int,
    chunk_size: int,
    stem: str,
    build_chunk: Callable[[int, int, int, Path], None],
) -> list[Path]:
    """Files `<stem>-KKKKK` over items [start, stop) of each chunk, written through a temporary
    name, so an interrupted build resumes at the first missing chunk. Returns them in order."""
    paths = []
    for k, start in enumerate(range(0, n_items, chunk_size)):
        path = work / f"{stem}-{k:05d}"
        if not path.exists():
            tmp = path.with_name(path.name + ".tmp")
            build_chunk(k, start, min(n_items, start + chunk_size), tmp)
            os.replace(tmp, path)
        paths.append(path)
    return paths


def write_json_atomic(path: Path, obj: Any, nan_as_null: bool = False) -> None:
    """Write JSON through a temporary file so a reader never sees half of it. `nan_as_null`
    (results meant for other tools): NaN and infinities become null, since they are not JSON
    (jq and JavaScript reject them); cached intermediates keep them to read back as floats."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    if nan_as_null:
        text = json.dumps(finite(obj), indent=1, default=_json_default, allow_nan=False)
    else:
        text = json.dumps(obj, indent=1, default=_json_default)
    tmp.write_text(text)
    os.replace(tmp, path)


def finite(obj: Any) -> Any:
    """`obj` with every non-finite float (numpy scalars included) replaced by None."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return finite(obj.tolist())  # numpy arrays and scalars
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def cached_json(
    kind: str, inputs: Any, compute: Callable[[], Any], version: int = 1, root: Path | None = None
) -> Any:
    """A JSON-serialisable result, computed once per inputs."""

    def build(work: Path) -> None:
        write_json_atomic(work / "result.json", compute())

    path = artifact(kind, inputs, build, version, root, quiet=True)
    return json.loads((path / "result.json").read_text())
