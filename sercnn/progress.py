"""Progress of the long commands (``protocol``, ``search``, ``train``): a tqdm bar in a terminal, and one
plain line per finished epoch, fold or trial where the output is a log file (or with ``--no-progress``),
so that ``tail -f`` on the log shows how far a run has come.

Light (tqdm is imported only for a bar), so that the command line can use it before any backend starts.
"""

from __future__ import annotations

import sys
from typing import Literal, TextIO

#: ``bar``: tqdm bars; ``lines``: one flushed line per finished step; ``off``: nothing.
Mode = Literal["bar", "lines", "off"]
MODES = ("bar", "lines", "off")


def choose_mode(no_progress: bool = False, stream: TextIO | None = None) -> Mode:
    """``bar`` where ``stream`` (default: stdout) is a terminal, else ``lines``; ``lines`` with ``no_progress``."""
    stream = sys.stdout if stream is None else stream
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return "lines" if no_progress or not is_terminal else "bar"


def say(line: str) -> None:
    """Print one progress line at once (worker processes share the log file with the parent)."""
    print(line, flush=True)


class Steps:
    """Finished steps out of ``total`` (folds x seeds, trials): a tqdm bar, one line per step, or nothing.

    ``initial`` steps are already done (a resumed command). Use as a context manager, and call
    :meth:`done` with a short description of each finished step.
    """

    def __init__(self, total: int, mode: Mode, desc: str, unit: str, initial: int = 0):
        if mode not in MODES:
            raise ValueError(f"progress must be one of {MODES}, got {mode!r}")
        self.total, self.mode, self.count = total, mode, initial
        self.bar = None
        if mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit=unit, dynamic_ncols=True)

    def done(self, text: str) -> None:
        """One more step finished: ``text`` as the bar's postfix, or the line ``<text> (k of n)``."""
        self.count += 1
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update()
        elif self.mode == "lines":
            say(f"{text} ({self.count} of {self.total})")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
