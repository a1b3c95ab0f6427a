"""The command lines of the benchmark scripts (``bench/*.sh``) parse with the package's own command line: a flag
renamed in ``sercnn.cli`` would otherwise surface hours into a ladder run, as an "!! failed" line in its log."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from sercnn.cli import _parser

BENCH = Path(__file__).resolve().parents[1] / "bench"
#: What the scripts' shell variables stand for here: a value of the right kind for each option.
VALUES = {"SEEDS": "3", "rung": "dropout", "LOSO_RUNG": "dropout", "RUNG": "dropout", "norm": "speaker",
          "model": "svm-compare", "1": "emodb", "2": "ravdess", "TRIM[@]": "--trim-db 40"}


def _commands(script: Path) -> list[str]:
    """Every ``run ...`` line of a script (continuation lines joined), its variables filled in."""
    text = re.sub(r"\\\n\s*", " ", script.read_text())
    lines = [m.group(1) for m in re.finditer(r"^\s*run (protocol .*)$", text, flags=re.M)]

    def fill(m: re.Match) -> str:
        return VALUES.get(m.group(1) or m.group(2), "x")

    return [re.sub(r'"?\$\{([^}]+)\}"?|\$(\w+)', fill, line).replace('"', "") for line in lines]


SCRIPTS = sorted(BENCH.glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_every_command_of_a_bench_script_parses(script):
    commands = _commands(script)
    for command in commands:
        args = _parser().parse_args(shlex.split(command))
        assert args.command == "protocol", command


def test_the_ladder_script_runs_the_searched_penalties():
    commands = _commands(BENCH / "ladder.sh")
    searched = [c for c in commands if "--search-space l2" in c]
    assert len(searched) == 1 and "--search-trials 6" in searched[0] and "--seeds 3" in searched[0]
    assert _parser().parse_args(shlex.split(searched[0])).search_space == "l2"
