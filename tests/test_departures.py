"""The table of departures from the paper (``sercnn.book.departures``): its quotations are the paper's, its shipped
defaults are the package's current constants, and what the protocol runs used is read from records."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_quotations import in_paper, normalise, paper_path

from sercnn import paper
from sercnn.book import departures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def paper_text() -> str:
    path = paper_path()
    if path is None:
        pytest.skip("the paper's text is not here (../shared/paper/ beside the repository, or SERCNN_SHARED)")
    return normalise(path.read_text(encoding="utf-8"))


def test_every_quotation_in_the_table_is_in_the_paper(paper_text):
    raw = paper_path().read_text(encoding="utf-8")
    quoted = [(key, entry) for key, entry in paper.SAYS.items() if entry is not None]
    assert len(quoted) >= 8
    for key, (section, quote) in quoted:
        assert in_paper(quote, paper_text), f"paper.SAYS[{key!r}] is not in the paper: {quote!r}"
        assert re.search(rf"^#+ {re.escape(section)}\. ", raw, re.MULTILINE), f"no section {section} in the paper"
    table = departures.departures(None)
    for row in departures.ROWS:
        shown = table.loc[row.setting, "the paper says"]
        entry = paper.SAYS[row.says]
        assert (entry is None and shown.startswith("not specified")) or f"“{entry[1]}” (section {entry[0]})" in shown


def test_shipped_defaults_are_the_current_constants(monkeypatch):
    from sercnn import experiment, models, splits, training

    table = departures.departures(None)
    expected = {
        "sercnn.models.BN_MOMENTUM": models.BN_MOMENTUM, "sercnn.training.START_FROM_EPOCH": training.START_FROM_EPOCH,
        "sercnn.training.PATIENCE": training.PATIENCE, "sercnn.training.LEARNING_RATE": training.LEARNING_RATE,
        "sercnn.training.OPTIMIZER": training.OPTIMIZER, "sercnn.training.BATCH_SIZE": training.BATCH_SIZE,
        "sercnn.training.MAX_EPOCHS": training.MAX_EPOCHS, "sercnn.experiment.PADDING": experiment.PADDING,
        "sercnn.splits.VALIDATION_SIZE": splits.VALIDATION_SIZE, "sercnn.splits.EMODB_PAIRS": splits.EMODB_PAIRS,
        "sercnn.experiment.RunConfig.seconds": experiment.RunConfig().seconds,
        "sercnn.experiment.RunConfig.precision": experiment.RunConfig().precision,
        "sercnn.experiment.RunConfig.selection": experiment.RunConfig().selection,
        "sercnn.experiment.RunConfig.l2_weight": experiment.RunConfig().l2_weight,
        "sercnn.experiment.RunConfig.l2_activity": experiment.RunConfig().l2_activity,
    }
    by_constant = {row.constant: row.setting for row in departures.ROWS}
    assert set(expected) == set(by_constant), "every row names one of these constants, and each has a row"
    for name, value in expected.items():
        assert table.loc[by_constant[name], "shipped default"] == departures.show(value), name
        assert table.loc[by_constant[name], "constant"] == f"`{name}`"
    # read at call time, not typed: change a constant and the table follows
    monkeypatch.setattr(models, "BN_MOMENTUM", 0.75)
    assert departures.departures(None).loc["BatchNorm momentum", "shipped default"] == "0.75"


def _summary(folder: Path, model: str, protocol: str, **config) -> None:
    base = {"seconds": 8.0, "precision": "float32", "l2_weight": 0.0, "l2_activity": 0.0, "bn_momentum": 0.9,
            "start_from_epoch": 10, "patience": 8, "epochs": 100, "optimizer": "adam", "learning_rate": 1e-3,
            "batch_size": 16, "selection": "held-out", "val_size": 0.1, "pad": None, **config}
    out = folder / "protocols" / f"emodb-{model}-{protocol}"
    out.mkdir(parents=True)
    (out / "summary.json").write_text(json.dumps({
        "corpus": "emodb", "model": model, "protocol": protocol, "base_config": base,
        "folds": [{"fold": "03-08"}, {"fold": "12-15"}]}))


def test_protocol_values_are_read_from_the_records(tmp_path):
    _summary(tmp_path, "2d", "speaker-independent", seconds=3.25, precision="mixed_bfloat16", l2_weight=0.002)
    _summary(tmp_path, "1d", "speaker-independent", seconds=1.5, precision="mixed_bfloat16", pad="end")
    table = departures.departures(tmp_path)["protocol runs used"]
    assert table["input window (s)"] == "1D: 1.5; 2D: 3.25"
    assert table["numerical precision"] == "mixed_bfloat16 (all 2 runs)"
    assert table["L2 penalty on weights"] == "1D: 0; 2D: 0.002"
    assert table["padding side"] == "end (all 2 runs)"  # 1D padded as configured, 2D by its default
    assert table["speaker-independent test pairs"] == "03-08 12-15 (all 2 runs)"
    assert departures.departures(None)["protocol runs used"].eq("no protocol records here").all()


def test_the_committed_protocol_runs_are_what_the_table_says():
    summaries = departures.network_summaries(ROOT / "results")
    if not summaries:
        pytest.skip("no committed protocol records here")
    table = departures.departures(ROOT / "results")["protocol runs used"]
    for field, setting in (("seconds", "input window (s)"), ("precision", "numerical precision"),
                           ("l2_weight", "L2 penalty on weights"), ("bn_momentum", "BatchNorm momentum")):
        for s in summaries:
            assert departures.show(s["base_config"][field]) in table[setting], (field, s["model"])
