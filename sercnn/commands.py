"""The command line that reproduces a configuration: :func:`config_command`, the one function behind every
command the package prints or records (a run record's ``command`` when none was typed, a protocol summary's,
the search's ``final_command``).

It walks the configuration's dataclass fields against the options of the command line's own parser
(``sercnn.cli``), so that an option added there, or a field added to a configuration, cannot be forgotten
here: a field whose value no option can express is an error, not a silent omission. Only values that differ
from the field's default are written, and ``--model`` always (it decides which configuration the command
line builds). ``tests/test_commands.py`` parses the commands back into the same configurations.

Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/06_hyperopt.ipynb`` (the commands they show).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
from typing import Any, Iterable, Mapping

#: How every printed command starts.
PROGRAM = ("python", "-m", "sercnn")
#: Fields that a ``protocol`` command does not take: it sets them per fold.
PER_FOLD = ("split", "test_speakers", "fold")


def config_command(
    cfg: Any,
    subcommand: str = "train",
    *,
    positional: Iterable[object] = (),
    options: Mapping[str, object] | None = None,
) -> str:
    """``python -m sercnn <subcommand> [positional] --option value ...`` for a ``RunConfig`` or
    ``BaselineConfig`` ``cfg``: each field that differs from its default, under the option the command line
    gives it (``n_jobs`` is ``--jobs``, ``pools`` are written ``MxT``), then ``options``, the subcommand's own
    (``{"--out": "runs/x", "--trials": 30}``; a list value is several arguments, True a bare flag, None or
    False left out). For ``protocol`` the split fields, which it sets per fold, are left out.

    Raises ValueError for a non-default value that the subcommand has no option for.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/06_hyperopt.ipynb``.
    """
    actions = _options_of(subcommand)
    default = type(cfg)()
    parts = [*PROGRAM, subcommand, *map(str, positional)]
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if (value == getattr(default, f.name) and f.name != "model") or (subcommand == "protocol"
                                                                          and f.name in PER_FOLD):
            continue
        action = actions.get(f.name)
        if action is None:
            raise ValueError(f"{f.name}={value!r} has no option in `{' '.join(PROGRAM)} {subcommand}`")
        parts += _arguments(action, f.name, value)
    for option, value in (options or {}).items():
        parts += _extra(option, value)
    return shlex.join(parts)


def _options_of(subcommand: str) -> dict[str, argparse.Action]:
    """The optional arguments of a subcommand of the command line, by destination (the field's name)."""
    from .cli import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    if subcommand not in commands.choices:
        raise ValueError(f"unknown subcommand {subcommand!r}; the command line has {sorted(commands.choices)}")
    return {a.dest: a for a in commands.choices[subcommand]._actions if a.option_strings}


def _arguments(action: argparse.Action, name: str, value: object) -> list[str]:
    option = next(o for o in action.option_strings if o.startswith("--"))
    if isinstance(action, argparse._StoreTrueAction):
        if value is not True:
            raise ValueError(f"{name}={value!r}: {option} can only switch it on")
        return [option]
    if value is None:
        raise ValueError(f"{name}=None: {option} cannot set it back to None")
    if action.nargs is not None and action.nargs != "?":
        if name == "pools":
            return [option, *(f"{mel}x{time}" for mel, time in value)]
        return [option, *map(_text, value)]
    return [option, _text(value)]


def _extra(option: str, value: object) -> list[str]:
    if value is None or value is False:
        return []
    if value is True:
        return [option]
    if isinstance(value, (list, tuple)):
        return [option, *map(_text, value)]
    return [option, _text(value)]


def _text(value: object) -> str:
    """A value as the parser reads it back unchanged: floats by their shortest exact ``repr``."""
    return repr(value) if isinstance(value, float) else str(value)
