"""What the last run in an output folder did: ``manifest.json``, and the fingerprints that decide
whether a report must run again.

A report is skipped when its fingerprint is unchanged since its last good run: the inputs it uses
(a ward's own rows of every table, the settings, the change package and ``ALL`` annotations; the
whole collaborative for the collaborative notebooks), the notebook, and the code (every file of
the package and the versions of the libraries that draw), plus the publication rule.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from rrp_helpers.files import write_atomic

__all__ = ["MANIFEST", "MANIFEST_VERSION", "code_fingerprint", "input_fingerprints", "file_hash", "read_manifest",
           "write_manifest", "sha256_parts"]

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2  # 2: ward entries carry their icons for the index
_PACKAGE = Path(__file__).resolve().parents[1]
_LIBRARIES = ("rrp-workbook", "altair", "vl-convert-python", "nbconvert", "papermill", "pandas", "numpy")


def sha256_parts(*parts: bytes) -> str:
    """A hash of several byte strings (each length-prefixed, so their boundaries count)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_fingerprint() -> str:
    """Every file of the workbook's package (code and templates) and the drawing libraries' versions."""
    from importlib import metadata

    parts = []
    for name in _LIBRARIES:
        try:
            parts.append(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            parts.append(name.encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".css", ".js", ".json", ".svg") and "__pycache__" not in path.parts:
            parts.append(str(path.relative_to(_PACKAGE)).encode() + file_hash(path).encode())
    return sha256_parts(*parts)


def _frame_bytes(frame) -> bytes:
    import pandas as pd

    frame = frame.reset_index(drop=True)
    return ",".join(map(str, frame.columns)).encode() + pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


def input_fingerprints(collab) -> tuple[str, dict[str, str]]:
    """(fingerprint of the whole collaborative, {ward_id: fingerprint of what its report uses}).

    Row hashes are computed once per table and each ward's rows picked by position (a row's hash
    does not depend on the other rows), so this is one pass over the data, not one per ward.
    """
    import pandas as pd

    config = repr(collab.config).encode()
    package = _frame_bytes(collab.change_package)
    tables = {name: getattr(collab, name) for name in
              ("wards", "monthly", "safety_cross", "incident_reports", "change_ideas", "annotations", "engagement")}
    whole = sha256_parts(config, package, *(name.encode() + _frame_bytes(frame) for name, frame in tables.items()))
    groups: dict[str, tuple[bytes, Any, dict]] = {}
    for name, frame in tables.items():
        if len(frame):
            frame = frame.reset_index(drop=True)
            hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
            groups[name] = (",".join(map(str, frame.columns)).encode(), hashes, frame.groupby("ward_id", sort=False).indices)
    per_ward = {}
    for ward_id in collab.wards["ward_id"]:
        parts = [config, package]
        for name, (header, hashes, positions) in groups.items():
            for key in (ward_id, "ALL") if name == "annotations" else (ward_id,):
                if key in positions:
                    parts.append(f"{name}:{key}".encode() + header + hashes[positions[key]].tobytes())
        per_ward[ward_id] = sha256_parts(*parts)
    return whole, per_ward


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of the last run in ``out`` (empty if none or unreadable)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "entries": {}}
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return {"version": MANIFEST_VERSION, "entries": {}}
    manifest.setdefault("entries", {})
    return manifest


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    write_atomic(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
