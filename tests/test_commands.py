"""sercnn.commands.config_command: every printed command comes from the configuration, and parses back (through
the command line's own parser) to the same configuration."""

from __future__ import annotations

import shlex

import pytest

from sercnn import cli
from sercnn.commands import config_command
from sercnn.config import BaselineConfig, RunConfig


def _parsed(command: str, cls):
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "sercnn"]
    args = cli._parser().parse_args(argv[3:])
    return args, cli._config_from(args, cls, argv[3:])


RUN_2D = RunConfig(corpus="ravdess", data_root="/data/my copy", model="2d", split="loso", test_speakers=["03", "08"],
                   fold="11", selection="paper", val_by="speaker", val_size=0.2, epochs=7, batch_size=32,
                   optimizer="rmsprop", learning_rate=0.000123456789, patience=3, start_from_epoch=2, bn_momentum=0.75,
                   l2_weight=1e-5, l2_activity=2e-6, dropout=0.3, augment=True, mixup=0.2,
                   pools=[[2, 2], [2, 2], [2, 2], [2, 1]],
                   normalise="speaker", precision="mixed_bfloat16", pad="start", seconds=4.064, trim_db=40.0,
                   seed=3, model_seed=5,
                   max_per_speaker_class=2, n_jobs=2)
RUN_1D = RunConfig(model="1d", split="speaker-dependent", pad="end", seconds=2.0)
BASELINE = BaselineConfig(corpus="synthetic", data_root="/x", model="svm-egemaps", split="loso",
                          test_speakers=["03", "08"], fold="11", seed=3, max_per_speaker_class=2, c_grid=[0.5, 2.0],
                          normalise="speaker", model_seed=7, n_jobs=2)

CROSS_RUN = RunConfig(corpus="emodb", split="cross-corpus", test_corpus="ravdess", normalise="speaker")
CROSS_BASELINE = BaselineConfig(corpus="ravdess", split="cross-corpus", test_corpus="emodb")


def test_every_field_of_the_examples_is_not_its_default():
    for cfg in (RUN_2D, BASELINE):
        default = type(cfg)()
        same = [f for f in cfg.__dataclass_fields__ if getattr(cfg, f) == getattr(default, f)]
        # RUN_1D covers the other model; CROSS_RUN and CROSS_BASELINE the test corpus of a cross-corpus split
        assert same == (["model", "test_corpus"] if cfg is RUN_2D else ["test_corpus"]), same


@pytest.mark.parametrize("cfg", [RUN_2D, RUN_1D, RunConfig(), BASELINE, BaselineConfig(), CROSS_RUN, CROSS_BASELINE],
                         ids=["2d", "1d", "run-defaults", "baseline", "baseline-defaults", "cross", "cross-baseline"])
def test_a_train_command_parses_back_to_its_configuration(cfg):
    command = config_command(cfg)
    args, parsed = _parsed(command, type(cfg))
    assert args.command == "train" and parsed == cfg


def test_only_values_that_differ_from_the_defaults_are_written():
    assert config_command(RunConfig()) == "python -m sercnn train --model 2d"
    assert config_command(RunConfig(epochs=5, n_jobs=3)) == "python -m sercnn train --model 2d --epochs 5 --jobs 3"
    assert "'/data/my copy'" in config_command(RUN_2D)  # quoted for a shell
    assert "--pools 2x2 2x2 2x2 2x1" in config_command(RUN_2D)


def test_a_protocol_command_leaves_the_split_to_the_folds():
    for cfg in (RUN_2D, BASELINE):
        command = config_command(cfg, "protocol", positional=["loso"], options={"--out": "runs/p", "--seeds": 3,
                                                                                  "--only": ["11", "12"]})
        args, parsed = _parsed(command, type(cfg))
        assert (args.protocol, args.out, args.seeds, args.only) == ("loso", "runs/p", 3, ["11", "12"])
        per_fold = {"split": "speaker-independent", "test_speakers": None, "fold": None}
        assert parsed == type(cfg)(**{**cfg.__dict__, **per_fold})


def test_a_value_without_an_option_is_an_error():
    with pytest.raises(ValueError, match="c_grid.*no option"):
        config_command(BASELINE, "search")  # search tunes networks: it has no --c-grid
    with pytest.raises(ValueError, match="cannot set it back to None"):
        config_command(RunConfig(val_size=None))  # a value the command line cannot write
    with pytest.raises(ValueError, match="unknown subcommand"):
        config_command(RUN_2D, "fly")


def test_the_search_final_command_trains_the_best_configuration():
    import dataclasses

    from sercnn.search import final_command

    base = RunConfig(corpus="synthetic", data_root="/d", test_speakers=["03", "08"], selection="paper",
                     val_by="speaker", patience=3, l2_activity=1e-6, pad="start", max_per_speaker_class=2, epochs=4)
    params = {"optimizer": "sgd", "learning_rate": 0.00123456, "batch_size": 8, "l2_weight": 1.5e-5,
              "bn_momentum": 0.8123, "dropout": 0.25, "augment": True}
    command = final_command(base, params)
    for option in ("--data-root /d", "--selection paper", "--val-by speaker", "--patience 3", "--l2-activity 1e-06",
                   "--pad start", "--test-speakers 03 08", "--epochs 4", "--augment"):
        assert option in command, option  # the options the hand-built command used to drop
    args, parsed = _parsed(command, RunConfig)
    assert args.command == "train" and parsed == dataclasses.replace(base, **params)


def test_protocol_and_search_commands_of_runs_started_from_python(tmp_path):
    from sercnn.protocol import protocol_command
    from sercnn.search import SearchConfig, search_command

    base = RunConfig(corpus="synthetic", epochs=2, seconds=4.064)
    args, parsed = _parsed(protocol_command("speaker-dependent", base, tmp_path, seeds=(0, 1), model_seeds=2,
                                            only=["seed1"]), RunConfig)
    assert (args.protocol, args.split_seeds, args.seeds, args.only, args.out) == (
        "speaker-dependent", [0, 1], 2, ["seed1"], str(tmp_path))
    assert parsed == RunConfig(**{**base.__dict__, "split": "speaker-independent"})
    cfg = SearchConfig(base=base.__dict__, trials=5, algo="random", validation_speakers=["03", "09"])
    args, parsed = _parsed(search_command(cfg, tmp_path), RunConfig)
    assert (args.trials, args.algo, args.validation_speakers, args.out) == (5, "random", ["03", "09"], str(tmp_path))
    assert parsed == base
