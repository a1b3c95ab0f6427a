"""sercnn.records: one record type for networks and baselines, checked against ``record.schema.json`` when written
and read; records of schema 1 (the committed ones in ``tests/records_v1/``, as runs before schema 2 wrote them)
are upgraded by ``migrate`` in memory and in place, re-runnably; every record under ``results/`` validates."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from records_fixture import make_record

from sercnn import records
from sercnn.errors import RecordError

ROOT = Path(__file__).resolve().parents[1]
V1 = Path(__file__).resolve().parent / "records_v1"


def _results_records() -> list[Path]:
    paths = []
    for path in sorted((ROOT / "results").rglob("*.json")):
        if records.is_record(json.loads(path.read_text())):
            paths.append(path)
    return paths


def test_every_committed_record_validates():
    paths = _results_records()
    assert len(paths) > 100  # protocols, ablations, ladder, searches, single runs
    kinds = {records.load_record(p)["kind"] for p in paths}  # raises RecordError naming the file otherwise
    assert kinds == {"network", "baseline"}
    assert len(records.load_records(ROOT / "results")) == len(paths)


def test_the_schema_ships_with_the_package_and_is_a_valid_json_schema():
    import jsonschema

    schema = records.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == records.SCHEMA
    shared = {"corpus", "features", "split", "selection", "model", "environment", "timings", "metrics"}
    assert shared <= set(schema["required"])


@pytest.mark.parametrize("name", sorted(p.name for p in V1.glob("*.json")))
def test_schema_1_records_are_migrated_in_memory(name):
    raw = json.loads((V1 / name).read_text())
    assert raw["schema"] == 1 and "kind" not in raw
    record = records.load_record(V1 / name)
    assert record["schema"] == records.SCHEMA and record["kind"] == name.split("-")[0]
    assert records.migrate(record) is record  # a current record is left as it is
    assert record["split"]["model_seed"] == raw["split"].get("model_seed", raw["split"]["seed"])
    assert record["features"]["normalise"] == raw["features"].get("normalise", "train")
    assert record["test_labels"] == raw.get("test_labels")
    assert record["corpus"]["class_sizes"] == (raw["corpus"].get("class_sizes")
                                               or raw["metrics"]["whole_database"]["support"])
    for key, value in raw.items():  # nothing a schema-1 record said is lost or changed
        if isinstance(value, dict):
            assert {k: record[key][k] for k in value} == value, key
        else:
            assert record[key] == value or key == "schema", key


def test_migrate_command_rewrites_in_place_and_is_rerunnable(tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(V1, folder / "old")
    write = records.write_record(folder / "new" / "run", make_record())
    (folder / "old" / "summary.json").write_text(json.dumps({"schema": 1, "folds": []}))  # not a record
    before = write.read_text()
    done = subprocess.run([sys.executable, "-m", "sercnn.records", "migrate", str(folder)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    n = len(list(V1.glob("*.json")))
    assert f"{n} record(s) migrated to schema {records.SCHEMA}, 1 already current" in done.stdout
    assert write.read_text() == before
    for path in (folder / "old").glob("*-*.json"):
        assert json.loads(path.read_text())["schema"] == records.SCHEMA
        assert records.load_record(path) == json.loads(path.read_text())
    assert json.loads((folder / "old" / "summary.json").read_text())["schema"] == 1
    assert records.migrate_files(folder) == (0, n + 1)  # a second run changes nothing


def test_a_malformed_record_is_refused_naming_the_file_and_the_field(tmp_path):
    record = make_record()
    del record["split"]["test_speakers"]
    record["metrics"]["test"]["accuracy"] = "high"
    path = tmp_path / "bad" / "record.json"
    path.parent.mkdir()
    path.write_text(json.dumps(record))
    with pytest.raises(RecordError) as err:
        records.load_record(path.parent)
    text = str(err.value)
    assert str(path) in text and "split.test_speakers" in text and "metrics.test.accuracy" in text
    with pytest.raises(RecordError, match="record.json"):
        records.load_records(tmp_path)


def test_a_record_of_one_kind_needs_that_kinds_sections(tmp_path):
    record = make_record("network")
    del record["training"]
    with pytest.raises(RecordError, match="training"):
        records.validate(record, tmp_path / "record.json")
    baseline = make_record("baseline")
    del baseline["selection"]["c"]
    with pytest.raises(RecordError, match=r"selection\.c"):
        records.validate(baseline)


def test_records_of_a_newer_schema_or_none_are_refused(tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(make_record(schema=records.SCHEMA + 1)))
    with pytest.raises(RecordError, match="newer"):
        records.load_record(path)
    with pytest.raises(RecordError, match="schema"):
        records.migrate({"metrics": {}})


def test_write_record_refuses_an_invalid_record(tmp_path):
    record = make_record()
    record["selection"]["mode"] = "peeked"
    with pytest.raises(RecordError, match=r"selection\.mode"):
        records.write_record(tmp_path / "run", record)
    assert not (tmp_path / "run" / records.RECORD_NAME).exists()
    with pytest.raises(RecordError, match="schema"):
        records.write_record(tmp_path / "run", {**make_record(), "schema": 1})  # old records are migrated, not written
    written = records.write_record(tmp_path / "run", make_record())
    assert records.load_record(written)["run"] == "r1"


def test_provenance_of_a_record_and_of_a_summary():
    record = make_record()
    p = records.provenance(record)
    assert p == {"command": "`python -m sercnn train`", "commit": "0123456789",
                 "hardware": "test CPU, 2 cores, 1.0 GiB; Keras ? on tensorflow; accelerators: none"}
    summary = {"command": "python -m sercnn protocol", "git": {"commit": None, "dirty": None,
                                                               "package_version": "0.1.0"},
               "environment": {"cpu": "test CPU"}}
    assert records.provenance_line(summary) == ("`python -m sercnn protocol` at code installed package sercnn 0.1.0 "
                                                "(not a clone: no commit to show) on test CPU, ? cores, ? GiB; "
                                                "Keras ? on ?; accelerators: none")


def test_the_schema_reads_its_lists_of_allowed_values_from_config():
    """The split names, normalisations and selection modes exist once, in sercnn.config."""
    from sercnn.config import NORMALISE, SELECTIONS, SPLITS

    enums = []

    def walk(node):
        if isinstance(node, dict):
            enums.extend([node["enum"]] if "enum" in node else [])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(records.schema())
    assert all(isinstance(e, list) for e in enums)
    for values in (SPLITS, NORMALISE, SELECTIONS, tuple(map(records.protocol_name, SPLITS))):
        assert list(values) in enums


def test_a_run_without_a_network_records_so_and_never_imports_keras():
    """A baseline's record fills the required ``keras_backend`` with ``NO_NETWORK`` instead of importing Keras (and
    TensorFlow) in every baseline worker; its machine line says so. In a fresh interpreter, since this one may
    have Keras loaded already."""
    code = ("import sys; from sercnn.records import NO_NETWORK, hardware, hardware_text; h = hardware(network=False); "
            "assert h['keras_backend'] == NO_NETWORK, h; assert 'keras' not in sys.modules; "
            "assert 'tensorflow' not in sys.modules; print(hardware_text(h))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "no network, so no Keras" in out.stdout
