"""Run records: the one bridge between training and results (design.md).

A run record is a JSON file, ``record.json`` in the run directory, holding the command, the git commit,
a fingerprint of the data, the corpus and its provenance, the split and its speakers, the seed, the
model-selection mode, the backend and hardware, timings, the training history and the metrics. Chapters
print numbers from records, never typed-in ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

RECORD_NAME = "record.json"
SCHEMA = 1


def git_commit(start: str | Path | None = None) -> dict:
    """The commit of the repository holding ``start`` (default: this package), and whether it is dirty."""
    where = Path(start) if start else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=where,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
        )
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        from . import __version__

        return {"commit": None, "dirty": None, "package_version": __version__}


def data_fingerprint(df: pd.DataFrame, digests: list[str] | None = None) -> str:
    """SHA-256 over the sorted (file name, SHA-256 of the file) pairs of a manifest: same data, same print.

    ``digests`` (the files' SHA-256 in manifest order, as :func:`sercnn.features.extract` reports them)
    saves reading every file again.
    """
    from .features import file_digest

    if digests is None:
        digests = [file_digest(p) for p in df["path"]]
    h = hashlib.sha256()
    for name, digest in sorted(zip((Path(p).name for p in df["path"]), digests)):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()


def hardware() -> dict:
    """The machine: OS, CPU model and cores, memory, the Keras backend's devices."""
    info = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
    }
    try:
        import keras

        info["keras_backend"] = keras.backend.backend()
        info["keras"] = keras.__version__
        info["accelerators"] = _accelerators(info["keras_backend"])
    except Exception as exc:  # a record must still be written without a backend
        info["keras_backend"] = f"unavailable ({exc})"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return round(pages / 1024**3, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _accelerators(backend: str) -> list[str]:
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices() if d.device_type != "CPU"] or ["none"]
        if backend == "jax":
            import jax

            return [str(d) for d in jax.devices() if d.platform != "cpu"] or ["none"]
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            return ["none"]
    except Exception:
        pass
    return ["unknown"]


def backend_versions() -> dict:
    """Versions of the libraries a result depends on."""
    import importlib.metadata as md

    out = {}
    for name in ("keras", "tensorflow", "tensorflow-cpu", "jax", "torch", "numpy", "librosa", "scikit-learn"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return out


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _jsonable(obj):
    """Plain JSON values: NumPy scalars and arrays as numbers and lists, paths as strings, and NaN or
    infinity (a diverged loss, a metric of an empty set), which JSON cannot hold, as null."""
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | Path, data: dict) -> Path:
    """Write JSON atomically (temp file + rename): an interrupted write never leaves half a record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_jsonable(data), indent=1, allow_nan=False, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def write_record(run_dir: str | Path, record: dict) -> Path:
    """Write ``record.json`` into the run directory."""
    record = {"schema": SCHEMA, **record}
    return write_json(Path(run_dir) / RECORD_NAME, record)


def load_record(path: str | Path) -> dict:
    """Read a run record from a run directory or a JSON file."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path}: no run record here (expected {RECORD_NAME} in the run directory)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a valid run record ({exc})") from exc


def load_records(folder: str | Path) -> list[dict]:
    """Every run record under ``folder``, sorted by run name. Each gets ``_path`` (its file) and
    ``_group``: the folder of the experiment it belongs to, relative to ``folder``
    (``<group>/<run>.json``, or ``<group>/<run>/record.json`` for a run directory, as a protocol's folds),
    so that the records of one experiment are summarised together."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("schema") == SCHEMA and "metrics" in data:
            data["_path"] = str(path)
            parts = path.relative_to(folder).parts
            parts = parts[:-2] if path.name == RECORD_NAME else parts[:-1]
            data["_group"] = "/".join(parts)
            found.append(data)
    return sorted(found, key=lambda r: (r["_group"], r.get("run", "")))


def summary_table(runs: list[dict]) -> pd.DataFrame:
    """One row per run: what was run, on what, and its held-out and whole-database figures (percent)."""
    rows = []
    for r in runs:
        test = r["metrics"]["test"]
        rows.append(
            {
                "group": r.get("_group", ""),
                "run": r.get("run"),
                "corpus": r["corpus"]["name"],
                "model": r["config"]["model"],
                "protocol": r["split"]["protocol"],
                "test speakers": " ".join(r["split"]["test_speakers"]),
                "selection": r["selection"]["mode"],
                "seed": r["config"]["seed"],
                "best epoch": r.get("training", {}).get("best_epoch"),
                "epochs": r.get("training", {}).get("epochs_run"),
                "test accuracy": round(test["accuracy"], 2),
                "test UAR": round(test["uar"], 2),
                "whole-database accuracy": round(r["metrics"]["whole_database"]["accuracy"], 2),
                "training minutes": round(r.get("training", {}).get("train_seconds",
                                                                      r.get("timings", {}).get("fit_s", 0)) / 60, 1),
                "commit": (r["git"].get("commit") or "")[:10],
            }
        )
    return pd.DataFrame(rows)


def metrics_table(record: dict) -> pd.DataFrame:
    """A run's figures in one table: the held-out test set, the validation set that chose the model, and
    the whole database (training utterances included, the form of Tables 3-6), beside the paper's
    Table 7(b) figure for the same corpus, protocol and network (percent)."""
    m = record["metrics"]
    scopes = [
        ("test (held out)", m["test"]),
        ("validation (chose the epoch)", m["validation"]),
        ("whole database (incl. training)", m["whole_database"]),
    ]
    rows = [{"scope": name, "utterances": r["n"], "accuracy %": round(r["accuracy"], 2), "UAR %": round(r["uar"], 2)}
            for name, r in scopes]
    frame = pd.DataFrame(rows).set_index("scope")
    paper = record.get("paper", {}).get("table_7b_validation")
    if paper is not None:
        frame.loc["the paper, Table 7(b)", ["accuracy %"]] = paper
    return frame
