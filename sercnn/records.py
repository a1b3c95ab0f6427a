"""Run records: the one bridge between training and results (design.md).

A run record is a JSON file, ``record.json`` in the run directory, holding the command, the git commit,
a fingerprint of the data, the corpus and its provenance, the split and its speakers, the seed, the
model-selection mode, the backend and hardware, timings, the training history and the metrics. Chapters
print numbers from records, never typed-in ones.

One record type for networks (:func:`network_record`) and the shallow baseline (:func:`baseline_record`):
shared sections (corpus, features, split, selection, model, environment, timings, metrics, test outputs) and
the sections of each kind, described by the JSON Schema ``record.schema.json`` shipped with the package
(:data:`SCHEMA` is its number). :func:`write_record` refuses a record that does not validate; :func:`load_record`
upgrades an older record in memory (:func:`migrate`) and validates it, naming the file and the field of any
fault. ``python -m sercnn.records migrate results/`` rewrites older files in place (re-runnable).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .errors import RecordError

RECORD_NAME = "record.json"
#: The record schema's number (``record.schema.json``); :func:`migrate` upgrades every older one to it.
SCHEMA = 2
SCHEMA_FILE = "record.schema.json"
#: The format of protocol and search summaries (``summary.json``, ``search.json``), unchanged since records
#: were schema 1; they are not run records (they hold no ``metrics``).
SUMMARY_SCHEMA = 1

#: What each ``normalise`` mode uses, said in every record and table that shows its figures.
NORMALISE_NOTES = {
    "train": "standardised with statistics of the training utterances only",
    "speaker": "each speaker standardised with statistics of that speaker's own utterances, the test "
    "speakers' unlabelled audio included (labels are never used)",
}
WHOLE_DATABASE_NOTE = ("every utterance, training ones included (the form of the paper's Tables 3-6); "
                       "not a held-out estimate")
#: The libraries a baseline's figures depend on (its record's ``environment.versions``).
BASELINE_LIBRARIES = ("opensmile", "scikit-learn", "numpy")


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


#: ``environment.keras_backend`` of a run that trains no network (a baseline): the field is required, and filling
#: it by importing Keras would cost each baseline worker its TensorFlow start-up for nothing.
NO_NETWORK = "not used (no network)"


def hardware(network: bool = True) -> dict:
    """The machine: OS, CPU model and cores, memory, and (``network``) the Keras backend and its devices; a run
    without a network (``network=False``) records :data:`NO_NETWORK` and never imports Keras."""
    info = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
    }
    if not network:
        info["keras_backend"] = NO_NETWORK
        return info
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


#: The libraries a network's figures depend on (its record's ``environment.versions``).
NETWORK_LIBRARIES = ("keras", "tensorflow", "tensorflow-cpu", "jax", "torch", "numpy", "librosa", "scikit-learn")


def backend_versions(names: Sequence[str] = NETWORK_LIBRARIES) -> dict:
    """Versions of the libraries a result depends on (those installed)."""
    import importlib.metadata as md

    out = {}
    for name in names:
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
    """Write ``record.json`` into the run directory, after checking it against the record schema (a
    :class:`~sercnn.errors.RecordError` naming the field otherwise; nothing is written then)."""
    path = Path(run_dir) / RECORD_NAME
    record = _jsonable({"schema": SCHEMA, **record})
    validate(record, path)
    return write_json(path, record)


def load_record(path: str | Path) -> dict:
    """Read a run record from a run directory or a JSON file: an older schema upgraded (:func:`migrate`), then
    validated; a :class:`~sercnn.errors.RecordError` names the file and the field of any fault."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path}: no run record here (expected {RECORD_NAME} in the run directory)")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: not a valid run record ({exc})") from exc
    return checked(data, path)


def checked(data: Any, where: str | Path | None = None) -> dict:
    """``data`` as a current, valid record: migrated from an older schema, then validated."""
    record = migrate(data, where)
    validate(record, where)
    return record


def is_record(data: Any) -> bool:
    """Whether parsed JSON is a run record (rather than a protocol or search summary, a run.json or a
    checkpoint's state): a dict with a schema number and metrics."""
    return isinstance(data, dict) and "schema" in data and "metrics" in data


def load_records(folder: str | Path) -> list[dict]:
    """Every run record under ``folder`` (each migrated and validated, :func:`load_record`), sorted by run name.
    Each gets ``_path`` (its file) and ``_group``: the folder of the experiment it belongs to, relative to
    ``folder`` (``<group>/<run>.json``, or ``<group>/<run>/record.json`` for a run directory, as a protocol's
    folds), so that the records of one experiment are summarised together. Other JSON files are passed over."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if is_record(data):
            data = checked(data, path)
            data["_path"] = str(path)
            parts = path.relative_to(folder).parts
            parts = parts[:-2] if path.name == RECORD_NAME else parts[:-1]
            data["_group"] = "/".join(parts)
            found.append(data)
    return sorted(found, key=lambda r: (r["_group"], r["run"]))


# --- The schema: validation and migration ---------------------------------------------------------------


@lru_cache(maxsize=1)
def schema() -> dict:
    """The record schema (JSON Schema 2020-12), ``sercnn/record.schema.json``."""
    from importlib.resources import files

    return _fill_enums(json.loads(files(__package__).joinpath(SCHEMA_FILE).read_text()))


def _fill_enums(node):
    """The schema file names its lists of allowed values (``"<config.SPLITS>"``); they are filled in here from
    :mod:`sercnn.config`, so that each list exists once."""
    from .config import NORMALISE, SELECTIONS, SPLITS

    lists = {"<config.SPLITS>": list(SPLITS), "<config.NORMALISE>": list(NORMALISE),
             "<config.SELECTIONS>": list(SELECTIONS),
             "<protocol names of config.SPLITS>": [protocol_name(s) for s in SPLITS]}
    if isinstance(node, dict):
        return {k: lists[v] if k == "enum" and isinstance(v, str) else _fill_enums(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_enums(v) for v in node]
    return node


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def validate(record: dict, where: str | Path | None = None) -> None:
    """Raise :class:`~sercnn.errors.RecordError` unless ``record`` fits the current schema; the message names
    ``where`` (the file) and every faulty field, as a path such as ``split.test_speakers``."""
    errors = sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"{_field(e)}: {e.message}" for e in errors[:8]]
        more = f"\n  ... and {len(errors) - 8} more" if len(errors) > 8 else ""
        raise RecordError(f"{where or 'run record'}: not a valid run record (schema {SCHEMA}):\n  "
                          + "\n  ".join(lines) + more)


def _field(error) -> str:
    """The dotted path of the field an error is about; for a missing field, the missing field itself."""
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        path += missing[:1]
    return ".".join(path) or "(the record)"


def migrate(record: dict, where: str | Path | None = None) -> dict:
    """``record`` upgraded to the current :data:`SCHEMA`, one version at a time (a copy; a current record is
    returned unchanged). A record of a newer schema, or with no schema number, is refused."""
    version = record.get("schema") if isinstance(record, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordError(f"{where or 'run record'}: field 'schema': no schema number ({version!r})")
    if version > SCHEMA:
        raise RecordError(f"{where or 'run record'}: field 'schema': {version} is newer than this package's "
                          f"{SCHEMA}; upgrade sercnn to read it")
    if version == SCHEMA:
        return record
    record = copy.deepcopy(record)
    while record["schema"] < SCHEMA:
        record = MIGRATIONS[record["schema"]](record)
    return record


def _v1_to_v2(r: dict) -> dict:
    """Schema 1 to 2: the ``kind``; the shared sections' fields that one kind or older runs lacked (null where
    they cannot be known: no labels, probabilities or decision values of the test utterances were kept)."""
    kind = "network" if "training" in r else "baseline"
    cfg = r["config"]
    corpus, features, split = r["corpus"], r["features"], r["split"]
    corpus.setdefault("requested", cfg["corpus"])
    corpus.setdefault("root", None)
    corpus.setdefault("skipped", None)
    corpus.setdefault("class_sizes", dict(r["metrics"]["whole_database"]["support"]))  # every utterance once
    features.setdefault("conversions", None)
    features.setdefault("normalise", cfg.get("normalise") or "train")  # the only mode before it was recorded
    features.setdefault("normalise_note", NORMALISE_NOTES[features["normalise"]])
    model_seed = cfg.get("model_seed")
    split.setdefault("model_seed", split["seed"] if model_seed is None else model_seed)
    r.setdefault("finished", None)
    r.setdefault("resumes", [])
    r.setdefault("test_labels", None)
    if kind == "network":
        r["training"].setdefault("stop_reason", None)
        r.setdefault("test_probabilities", None)
    else:
        r.setdefault("test_scores", None)
    rest = {k: v for k, v in r.items() if k not in ("schema", "kind")}
    return {"schema": 2, "kind": kind, **rest}


#: One upgrade per schema number: ``MIGRATIONS[n]`` turns a schema-n record into a schema-(n+1) one.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


def migrate_files(folder: str | Path) -> tuple[int, int]:
    """Rewrite every older run record under ``folder`` in the current schema, in place (validated first);
    current ones are left untouched, so running it again changes nothing. Returns (migrated, already current)."""
    migrated = current = 0
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if not is_record(data):
            continue
        record = checked(data, path)
        if record is data:
            current += 1
        else:
            write_json(path, record)
            migrated += 1
    return migrated, current


# --- Building a record: the sections ---------------------------------------------------------------------


class Positions(NamedTuple):
    """A split as positions in the manifest (:mod:`sercnn.splits`): training and test, and for a network the
    part it is fitted on and the validation part that chooses its epoch."""

    train: np.ndarray
    test: np.ndarray
    fit: np.ndarray | None = None
    validation: np.ndarray | None = None


def protocol_name(split: str) -> str:
    """The protocol a split is, in the paper's words (section 4.1): ``loso`` is leave-one-speaker-out."""
    return {"loso": "leave-one-speaker-out"}.get(split, split)


def corpus_section(df: pd.DataFrame, requested: str, fingerprint: str) -> dict:
    """Which corpus (and subset), its provenance, speakers, classes and class sizes, the files left out."""
    from .datasets import class_names, describe

    return {
        "name": df.attrs.get("corpus", requested),
        "requested": requested,
        "description": describe(df),
        "source": df.attrs.get("source"),
        "root": df.attrs.get("root"),
        "subset": df.attrs.get("subset"),
        "n_utterances": len(df),
        "n_speakers": int(df["speaker"].nunique()),
        "classes": class_names(df),
        "class_sizes": {str(c): int(n) for c, n in df["emotion"].value_counts(sort=False).items()},
        "skipped": df.attrs.get("skipped", []),
        "fingerprint": fingerprint,
        **({"cross_corpus": df.attrs["cross_corpus"]} if "cross_corpus" in df.attrs else {}),
    }


def features_section(settings, report, standardizer: str, normalise: str) -> dict:
    """The input features (:class:`sercnn.features.FeatureSettings`), how their extraction went
    (:class:`sercnn.features.ExtractionReport`), and how they were standardised."""
    return {
        "settings": asdict(settings),
        "shape": list(settings.shape),
        "extraction": report.summary(),
        "conversions": {note: {"files": len(files), "e.g.": files[:3]} for note, files in report.conversions.items()},
        "standardizer": standardizer,
        "normalise": normalise,
        "normalise_note": NORMALISE_NOTES[normalise],
    }


def split_section(df: pd.DataFrame, cfg, parts: Positions) -> dict:
    """The protocol (section 4.1), its seeds, the speakers and utterances of each part."""
    from . import splits
    from .datasets import utterance_ids

    out = {
        "protocol": protocol_name(cfg.split),
        "seed": cfg.seed,
        "model_seed": cfg.effective_model_seed,
        **splits.describe(df, parts.train, parts.test),
        "test_utterances": utterance_ids(df, parts.test),
    }
    if parts.validation is not None:
        out.update({
            "n_fit": int(len(parts.fit)),
            "n_validation": int(len(parts.validation)),
            "validation_speakers": splits.speakers_of(df, parts.validation),
            "validation_utterances": utterance_ids(df, parts.validation),
        })
    return out


def metrics_section(labels: np.ndarray, predicted: np.ndarray, names: Sequence[str], parts: Positions) -> dict:
    """Accuracy, UAR and confusion (:func:`sercnn.evaluation.metrics`) on the test part, the validation part
    where there is one, and the whole database (the form of Tables 3-6, not a held-out estimate)."""
    from .evaluation import metrics

    out = {"test": metrics(labels[parts.test], predicted[parts.test], names)}
    if parts.validation is not None:
        out["validation"] = metrics(labels[parts.validation], predicted[parts.validation], names)
    out["whole_database"] = {**metrics(labels, predicted, names), "note": WHOLE_DATABASE_NOTE}
    return out


def _header(kind: str, run: str, start: dict, resumes: list, cfg) -> dict:
    """What every record opens with: schema, kind, run, when, the command and commit it started with."""
    return {"schema": SCHEMA, "kind": kind, "run": run, "created": start["at"], "finished": now(),
            "command": start["command"], "git": start["git"], "resumes": resumes, "config": asdict(cfg)}


def _test_outputs(labels: np.ndarray, predicted: np.ndarray, parts: Positions, key: str, values) -> dict:
    """Per test utterance: the predicted class, the true class, and the model's outputs (``key``)."""
    values = np.round(np.asarray(values, dtype=float)[parts.test], 5)
    return {"test_predictions": predicted[parts.test].tolist(), "test_labels": labels[parts.test].tolist(),
            key: values.tolist()}


def _timings(timings: dict) -> dict:
    return {k: round(float(v), 2) for k, v in timings.items()}


def network_selection(cfg, parts: Positions) -> dict:
    """How the epoch was chosen: on a validation set carved from the training speakers (``held-out``), or on
    the test set itself as the paper did (``paper``, section 4.1)."""
    if cfg.selection == "held-out":
        monitored = (f"validation set: {len(parts.validation)} utterances carved from the training speakers "
                     f"(by {cfg.val_by}); the test set is used once, after training")
    else:
        monitored = "the test set itself, as the paper did: the reported test figure is optimistic"
    return {"mode": cfg.selection, "monitored": monitored}


def network_record(run: str, start: dict, resumes: list, cfg, df: pd.DataFrame, *, fingerprint: str, settings,
                   report, scaler, parts: Positions, model, result, timings: dict,
                   probabilities: np.ndarray, notes: Sequence[str] = ()) -> dict:
    """The record of one network run (:func:`sercnn.experiment.run`): the shared sections, the network's layers
    (Tables 1-2), its training and history, the standardiser, the paper's figure for the same corpus, protocol
    and network (Table 7), and the softmax outputs of the test utterances. ``start`` is run.json's first start
    (``at``, ``command``, ``git``); ``notes``: what the run changed from what was asked."""
    from .datasets import class_names, labels
    from .geometry import layer_table
    from .models import numerics
    from .paper import reference

    y, names = labels(df), class_names(df)
    predicted = np.asarray(probabilities).argmax(axis=1)
    protocol = protocol_name(cfg.split)
    record = {
        **_header("network", run, start, resumes, cfg),
        "corpus": corpus_section(df, cfg.corpus, fingerprint),
        "features": features_section(settings, report, "per mel band" if settings.kind == "logmel"
                                     else "one mean and std", cfg.normalise),
        "split": split_section(df, cfg, parts),
        "selection": network_selection(cfg, parts),
        "model": {"name": model.name, "parameters": int(model.count_params()), **numerics(model),
                  "layers": [[n, c, list(s)] for n, c, s in layer_table(model)]},
        "environment": {**hardware(), "versions": backend_versions()},
        "timings": _timings(timings),
        "training": result.summary(),
        "history": {**result.history, "epoch_seconds": result.epoch_seconds},
        "metrics": metrics_section(y, predicted, names, parts),
        **_test_outputs(y, predicted, parts, "test_probabilities", probabilities),
        "paper": {"protocol": protocol, **reference(df.attrs.get("corpus", cfg.corpus), protocol, cfg.model)},
        "standardizer": scaler.to_dict(),
    }
    return {**record, "notes": list(notes)} if notes else record


def baseline_record(run: str, start: dict, cfg, df: pd.DataFrame, *, fingerprint: str, settings, report,
                    parts: Positions, search, grouped: bool, predicted: np.ndarray, scores: np.ndarray,
                    timings: dict) -> dict:
    """The record of one baseline run (:func:`sercnn.baselines.run`): the shared sections, the penalty ``C``
    its inner cross-validation chose (``search``, a fitted ``GridSearchCV``; ``grouped``: by speaker), and the
    SVM's decision values on the test utterances (not probabilities)."""
    from .datasets import class_names, labels

    y, names = labels(df), class_names(df)
    inner = "grouped by speaker" if grouped else "stratified by emotion"
    standardizer = "per feature, fitted on the training fold (inside each inner fold too)" + (
        "; before it, each speaker by its own statistics" if cfg.normalise == "speaker" else "")
    return {
        **_header("baseline", run, start, [], cfg),
        "corpus": corpus_section(df, cfg.corpus, fingerprint),
        "features": features_section(settings, report, standardizer, cfg.normalise),
        "split": split_section(df, cfg, parts),
        "selection": {
            "mode": "held-out",
            "monitored": f"C chosen by {search.n_splits_}-fold cross-validation on the training fold ({inner}); "
                         "the test set is used once",
            "c": float(search.best_params_["linearsvc__C"]),
            "inner_scores": {str(c): round(100 * float(s), 2)
                             for c, s in zip(cfg.c_grid, search.cv_results_["mean_test_score"])},
        },
        "model": {"name": f"linear SVM on openSMILE {settings.kind} functionals",
                  "parameters": int((len(names) if len(names) > 2 else 1) * (settings.shape[0] + 1))},
        "environment": {**hardware(network=False), "versions": backend_versions(BASELINE_LIBRARIES)},
        "timings": _timings(timings),
        "metrics": metrics_section(y, np.asarray(predicted), names, parts),
        **_test_outputs(y, np.asarray(predicted), parts, "test_scores", scores),
    }


def with_nested_search(record: dict, fold_config: dict, found: dict, trials: int) -> dict:
    """A protocol fold's record with the nested search (``protocol --search-trials``, :func:`sercnn.search.search`)
    that chose its configuration, and the fold's base configuration it searched from."""
    return {**record, "fold_config": fold_config, "nested_search": {
        "trials": trials, "space": found["config"].get("space", "full"), "model_seed": found["config"]["base"].get(
            "model_seed"), "validation_speakers": found["validation_speakers"], "objective": found["objective"],
        "best": found["best"], "wall_seconds": found["wall_seconds"],
    }}


# --- Provenance: which code, command and machine made a record (or a protocol or search summary) ------------


def code_version(git: dict) -> tuple[str, str]:
    """The row that says which code produced a record, from its ``git`` entry: the commit in a clone, else (the
    package installed from a release, as on Colab, where there is no repository to ask) the package's version."""
    if git.get("commit"):
        return "commit", git["commit"][:10] + (" (with uncommitted changes)" if git.get("dirty") else "")
    if git.get("package_version"):
        return "code", f"installed package sercnn {git['package_version']} (not a clone: no commit to show)"
    return "commit", "unknown"


def hardware_text(env: dict) -> str:
    """The machine of an ``environment`` entry in one line: CPU, cores, memory, Keras backend, accelerators.
    (A summary's ``environment`` may lack fields a record's always has; they read '?'.)"""
    machine = f"{env.get('cpu', '?')}, {env.get('cpu_count', '?')} cores, {env.get('memory_gib', '?')} GiB"
    if env.get("keras_backend") == NO_NETWORK:
        return f"{machine}; no network, so no Keras"
    accelerators = ", ".join(env.get("accelerators") or ["none"])
    return f"{machine}; Keras {env.get('keras', '?')} on {env.get('keras_backend', '?')}; accelerators: {accelerators}"


def provenance(doc: dict) -> dict[str, str]:
    """Command, code version and machine of a run record, or of a protocol or search summary (they share the
    ``command``, ``git`` and ``environment`` entries), as table rows ``{label: text}``.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb`` and later (:func:`sercnn.book.notebook.record_note`),
    ``book/06_hyperopt.ipynb`` (the full searches), ``book/07_results.ipynb`` (protocols, ablations)."""
    label, code = code_version(doc["git"])
    return {"command": f"`{doc['command']}`", label: code, "hardware": hardware_text(doc["environment"])}


def provenance_line(doc: dict) -> str:
    """:func:`provenance` in one sentence: "`command` at commit 0123456789 on <machine>"."""
    p = provenance(doc)
    label = "commit" if "commit" in p else "code"
    return f"{p['command']} at {label} {p[label]} on {p['hardware']}"


def summary_table(runs: list[dict]) -> pd.DataFrame:
    """One row per run: what was run, on what, and its held-out and whole-database figures (percent)."""
    rows = []
    for r in runs:
        test = r["metrics"]["test"]
        training = r["training"] if r["kind"] == "network" else None
        rows.append(
            {
                "group": r.get("_group", ""),
                "run": r["run"],
                "corpus": r["corpus"]["name"],
                "model": r["config"]["model"],
                "protocol": r["split"]["protocol"],
                "test speakers": " ".join(r["split"]["test_speakers"]),
                "selection": r["selection"]["mode"],
                "seed": r["config"]["seed"],
                "best epoch": training["best_epoch"] if training else None,
                "epochs": training["epochs_run"] if training else None,
                "test accuracy": round(test["accuracy"], 2),
                "test UAR": round(test["uar"], 2),
                "whole-database accuracy": round(r["metrics"]["whole_database"]["accuracy"], 2),
                "training minutes": round(train_seconds(r) / 60, 1),
                "commit": (r["git"]["commit"] or "")[:10],
            }
        )
    return pd.DataFrame(rows)


def train_seconds(record: dict) -> float:
    """The seconds a run spent fitting: a network's training, a baseline's inner search and refit."""
    return record["training"]["train_seconds"] if record["kind"] == "network" else record["timings"]["fit_s"]


def metrics_table(record: dict) -> pd.DataFrame:
    """A run's figures in one table: the held-out test set, the validation set that chose the model (a
    network's), and the whole database (training utterances included, the form of Tables 3-6), beside the
    paper's Table 7(b) figure for the same corpus, protocol and network (percent)."""
    m = record["metrics"]
    network = record["kind"] == "network"
    scopes = [
        ("test (held out)", m["test"]),
        *([("validation (chose the epoch)", m["validation"])] if network else []),
        ("whole database (incl. training)", m["whole_database"]),
    ]
    rows = [{"scope": name, "utterances": r["n"], "accuracy %": round(r["accuracy"], 2), "UAR %": round(r["uar"], 2)}
            for name, r in scopes]
    frame = pd.DataFrame(rows).set_index("scope")
    paper = record["paper"]["table_7b_validation"] if network else None
    if paper is not None:
        frame.loc["the paper, Table 7(b)", ["accuracy %"]] = paper
    return frame


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sercnn.records migrate FOLDER...``: rewrite the older run records under each folder in the
    current schema (re-runnable: current records are left as they are)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sercnn.records", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("migrate", help=f"upgrade run records to schema {SCHEMA}, in place")
    cmd.add_argument("folders", nargs="+", type=Path, help="folders searched for run records (e.g. results/)")
    args = parser.parse_args(argv)
    for folder in args.folders:
        migrated, current = migrate_files(folder)
        print(f"{folder}: {migrated} record(s) migrated to schema {SCHEMA}, {current} already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
