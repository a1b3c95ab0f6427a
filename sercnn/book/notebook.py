"""What every chapter shows beside its results: which corpus it used and where each number came from.

A chapter never prints a figure without its provenance (the corpus, and for a trained model the run
record's command, commit, split, seed and hardware). These helpers return ``IPython.display.Markdown``
objects, so a chapter shows them as the last expression of a cell; outside Jupyter ``str()`` gives the
same text.

Notebook: every chapter in ``book/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import records
from ..datasets import describe


class Note:
    """Markdown that Jupyter renders (``_repr_markdown_``) and ``print`` shows as text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def corpus_note(df: pd.DataFrame) -> Note:
    """Say plainly which corpus a chapter is running on; a loud warning for the synthetic one."""
    corpus = df.attrs.get("corpus", "?")
    line = describe(df)
    if df.attrs.get("subset"):
        line += f"; subset: {df.attrs['subset']}"
    if corpus == "synthetic":
        return Note(
            "> **Synthetic corpus.** This chapter runs on voice-like signals that `sercnn` synthesises, not on "
            "speech (corpus `auto` falls back to them where EmoDB cannot be had). The code is the same; the "
            "numbers say nothing about emotion recognition.\n>\n> `" + line + "`"
        )
    return Note(f"> **Data used in this chapter**: `{line}`")


def record_note(record: dict) -> Note:
    """The provenance of a run record's numbers: command, commit, corpus, split, seed, selection, training and
    hardware (the command, code and machine rows from :func:`sercnn.records.provenance`)."""
    corpus, split, selection = record["corpus"], record["split"], record["selection"]
    origin = records.provenance(record)
    hardware = origin.pop("hardware")
    parts = (f"{split['n_fit']} fit / {split['n_validation']} validation" if record["kind"] == "network"
             else f"{split['n_train']} train")
    rows = [
        *origin.items(),
        ("corpus", f"{corpus['name']}: {corpus['n_utterances']} utterances"
         + (f" ({corpus['subset']})" if corpus["subset"] else "")),
        ("split", f"{split['protocol']}, seed {split['seed']}; test speakers {', '.join(split['test_speakers'])}; "
         f"{parts} / {len(split['test_utterances'])} test"),
        ("model selection", f"{selection['mode']}: {selection['monitored']}"),
    ]
    if record["kind"] == "network":
        t = record["training"]
        rows.append(("training", f"{t['epochs_run']} epochs, best {t['best_epoch']}; {t['stop_reason']}; "
                                 f"{t['train_seconds']:.0f} s"))
    rows.append(("hardware", hardware))
    body = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return Note(f"| run `{record['run']}` | |\n| --- | --- |\n{body}")


def tensorflow_log_level() -> str:
    """``TF_CPP_MIN_LOG_LEVEL`` for a chapter, as its install cell sets it before TensorFlow is imported: "3"
    (INFO, WARNING and ERROR lines silenced) where no NVIDIA GPU is present, since the only error TensorFlow's
    C++ start-up logs there is the expected "failed call to cuInit", and Python exceptions still carry every real
    error; "2" (ERROR lines kept) where there is one, because a GPU left unused (a driver or library mismatch) is
    said only by those lines. Either way, :func:`start_keras` says which accelerators the chapter got."""
    import os
    import shutil

    gpu = os.path.exists("/dev/nvidiactl") or shutil.which("nvidia-smi") is not None
    return "2" if gpu else "3"


def start_keras() -> Note:
    """Import Keras and run one operation, so that the backend's start-up log lines land in this cell
    (chapters tag it ``remove-stderr``: TensorFlow prints them on stderr whatever its log level), and
    say which backend and devices the chapter runs on."""
    import logging
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())  # heeded if TensorFlow is not loaded yet
    import keras

    keras.ops.convert_to_tensor([0.0])
    # TensorFlow's Python logger warns about function retracing when a chapter trains several models.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from ..records import _accelerators

    backend = keras.backend.backend()
    devices = ", ".join(_accelerators(backend))
    return Note(f"> Keras {keras.__version__} on the **{backend}** backend; accelerators: {devices}.")


def papermill_command(chapter: str, parameters: dict) -> str:
    """The command that re-runs ``chapter`` with these parameters: what a chapter's run record keeps as its
    ``command`` (a notebook's ``sys.argv`` names the kernel, not the experiment)."""
    import shlex

    args = ["papermill", f"book/{chapter}.ipynb", f"{chapter}-out.ipynb"]
    for name, value in parameters.items():
        args += ["-p", name, str(value)]
    return shlex.join(args)


def run_directory(run_dir: str | None, name: str) -> Path:
    """Where a chapter's training run writes: ``run_dir`` if given (a full experiment, e.g.
    ``results/book-05-2d-si/03-08``), else a fresh folder under the system's temporary directory, so that
    the quick runs of a book build leave neither the repository nor the per-user cache growing (the
    chapter keeps the run's record in memory)."""
    if run_dir:
        return Path(run_dir)
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_scratch()))


def _scratch() -> Path:
    import tempfile

    folder = Path(tempfile.gettempdir()) / "sercnn-book-runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def find_results(start: str | Path | None = None) -> Path | None:
    """The repository's committed run records (``results/``), looked for from ``start`` (the working
    directory) upwards; ``None`` where the chapter runs outside a clone (Colab)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "results"
        if (candidate / "README.md").is_file():
            return candidate
    return None


#: The repository's archive, from which :func:`results_folder` takes ``results/`` outside a clone (Colab).
RESULTS_ARCHIVE = "https://github.com/sercnn-book/sercnn-book/archive/refs/heads/main.zip"


def results_folder(start: str | Path | None = None) -> Path | None:
    """The committed run records: ``results/`` of the clone the chapter runs in (:func:`find_results`), else
    the ``results/`` folder of the repository's archive (:data:`RESULTS_ARCHIVE`), downloaded once into the
    per-user cache; ``None``, with a warning that says why, where neither can be had."""
    found = find_results(start)
    if found is not None:
        return found
    import warnings
    import zipfile

    import pooch

    from ..paths import cache_home

    target = cache_home().parent / "results-archive"
    try:
        archive = pooch.retrieve(RESULTS_ARCHIVE, known_hash=None, path=target, fname="repository.zip",
                                 progressbar=False)
        with zipfile.ZipFile(archive) as z:
            members = [m for m in z.namelist() if "/results/" in m and ".." not in m]
            z.extractall(target, members=members)
        roots = sorted(target.glob("*/results"))
        return roots[0] if roots else None
    except Exception as exc:  # offline, or the archive moved: the chapter says so and goes on
        warnings.warn(f"the run records are not here and could not be downloaded ({exc}); run the chapter in a "
                      "clone of the repository", UserWarning, stacklevel=2)
        return None


def glue(name: str, value, display: bool = False):
    """myst-nb's ``glue`` (a value a chapter's markdown shows with ``{glue:text}`name:.2f```) where myst-nb is
    installed (the book extra; ``jupyter-book build``), else nothing: the chapter still runs (nbval, Colab).
    Returns the value."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return value
    myst_glue(name, value, display=display)
    return value


def committed_run(folder: str, test_speakers=None, results: str | Path | None = None) -> dict | None:
    """The committed run record under ``results/<folder>`` whose test speakers are ``test_speakers`` (a list or
    ``"03 08"``, in any order), or the first there (by run name) where ``test_speakers`` is None. None where the
    records are not here (outside a clone, :func:`find_results`; ``results`` names the folder where the chapter
    has it already) or none matches, so that the chapter says so and goes on.

    Notebooks: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    from .. import records

    results = find_results() if results is None else Path(results)
    if results is None or not (results / folder).is_dir():
        return None
    wanted = None
    if test_speakers is not None:
        wanted = sorted(test_speakers.split() if isinstance(test_speakers, str) else map(str, test_speakers))
    for record in records.load_records(results / folder):
        if wanted is None or sorted(record["split"]["test_speakers"]) == wanted:
            return record
    return None


def provenance_note(doc: dict, title: str, extra: str = "") -> Note:
    """Where a figure's numbers came from, in one line: ``title``, then the command, code version and machine of
    a run record, a protocol summary or a search summary (:func:`sercnn.records.provenance_line`); for a search,
    its outer split, objective, trials and wall time; then ``extra``.

    Notebooks: ``book/06_hyperopt.ipynb`` (the full searches), ``book/07_results.ipynb`` (the ablations).
    """
    from .. import records

    parts = [records.provenance_line(doc)]
    if "trials" in doc and "objective" in doc:
        parts.append(f"{doc['outer_split']}; objective: {doc['objective']}; {len(doc['trials'])} trials in "
                     f"{doc['wall_seconds'] / 60:.1f} min")
    if extra:
        parts.append(extra)
    return Note(f"**{title}**: " + "; ".join(parts) + ".")
