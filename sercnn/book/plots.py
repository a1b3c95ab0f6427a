"""Every figure of the book (libfmp style): each function takes ``ax=None``, draws on it (or on a new
figure), labels its axes with units, and returns what it drew, so a chapter can compose figures.
Docstrings name the paper's figure, table or equation and the chapter that shows the figure.

Sections follow the chapters: data (1), LFLB (2), LSTM (3), training and evaluation (4-5), search (6),
results (7).
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator


def _axes(ax=None, figsize=(7.0, 3.5)):
    """``ax``, or the axes of a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


#: One colour per model across every figure of the book, keyed as run records key models (``config.model``,
#: a protocol summary's ``model``), plus the paper's figures: its Table 7(a) "average" and 7(b) "validation"
#: bars in two greys. The baselines' hues are those of the ladder's bands (:data:`BASELINE_COLORS`).
MODEL_COLORS = {"2d": "#1f77b4", "1d": "#ff7f0e", "svm-compare": "#1b7837", "svm-egemaps": "#762a83",
                "paper": "#636363", "paper-7a": "#bdbdbd", "paper-7b": "#636363"}


def model_color(model: str | None, default: str | None = None) -> str | None:
    """The colour of a model key (``"2d"``, ``"svm-compare"``, ``"svm-compare-speaker"`` ...): its entry of
    :data:`MODEL_COLORS`, the entry of the longest key it starts with, else ``default``."""
    if model in MODEL_COLORS:
        return MODEL_COLORS[model]
    for key in sorted(MODEL_COLORS, key=len, reverse=True):
        if model and model.startswith(key + "-"):
            return MODEL_COLORS[key]
    return default


# --- Chapter 0: introduction (book/00_introduction.ipynb) --------------------------------------------------


def paper_against_book(corpus: str, protocol: str, runs: list[dict] | None = None, ax=None):
    """Table 7 of the paper for one corpus and protocol, 1D against 2D network: (a) "average accuracy" and
    (b) "validation accuracy", beside this book's held-out test accuracy: the mean over the run records
    ``runs`` of that corpus, protocol and network with held-out selection, on the whole corpus (the caller
    chooses which records count). Returns the axes.

    Notebook: ``book/00_introduction.ipynb``.
    """
    from ..paper import TABLE_7A, TABLE_7B

    rows = []
    for network in ("1d", "2d"):
        key = (corpus, protocol, network)
        rows.append({"network": network.upper(), "source": "paper, Table 7(a) average", "accuracy %": TABLE_7A[key]})
        rows.append({"network": network.upper(), "source": "paper, Table 7(b) validation",
                     "accuracy %": TABLE_7B[key]})
        held_out = [r["metrics"]["test"]["accuracy"] for r in runs or []
                    if r["corpus"]["name"] == corpus and r["split"]["protocol"] == protocol
                    and r["config"]["model"] == network and r["selection"]["mode"] == "held-out"
                    and not r["corpus"]["subset"]]
        if held_out:
            rows.append({"network": f"{network.upper()}", "accuracy %": float(np.mean(held_out)),
                         "source": "this book, held-out test (mean over runs)", "runs": len(held_out)})
    frame = pd.DataFrame(rows)
    counts = frame.dropna(subset=["runs"]).set_index("network")["runs"] if "runs" in frame else pd.Series()
    ax = _axes(ax, figsize=(7.0, 4.0))
    sources = list(dict.fromkeys(frame["source"]))
    width = 0.8 / len(sources)
    for j, source in enumerate(sources):  # the paper's bars in its greys, the book's in each network's colour
        part = frame[frame["source"] == source]
        x = np.array([0 if n == "1D" else 1 for n in part["network"]]) + (j - (len(sources) - 1) / 2) * width
        colors = [MODEL_COLORS["paper-7a" if "7(a)" in source else "paper-7b" if "7(b)" in source
                               else n.lower()] for n in part["network"]]
        bars = ax.bar(x, part["accuracy %"], width=width, color=colors, label=source)
        ax.bar_label(bars, fmt="%.1f", fontsize="small")
    ax.set_xticks([0, 1], [f"{n}\n({int(counts[n])} held-out run{'s' if counts[n] > 1 else ''})" if n in counts
                           else n for n in ("1D", "2D")])
    ax.set(xlabel="network", ylabel="accuracy (%)", ylim=(0, 105), title=f"{corpus}, {protocol}")
    from matplotlib.patches import Patch

    handles = [Patch(color=MODEL_COLORS["paper-7a"], label="paper, Table 7(a) average"),
               Patch(color=MODEL_COLORS["paper-7b"], label="paper, Table 7(b) validation")]
    handles += [Patch(color=MODEL_COLORS[n.lower()], label=f"this book, {n}: held-out test (mean over runs)")
                for n in ("1D", "2D") if n in counts]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, fontsize="small")
    return ax


# --- end of chapter 0 -------------------------------------------------------------------------------------

# --- Chapter 1: data (book/01_data.ipynb) ----------------------------------------------------------------


def plot_class_balance(df: pd.DataFrame, ax=None):
    """Utterances per emotion, split by the speakers' sex (section 3.5: EmoDB's classes are "nearly the same
    number of utterances"). Notebook: ``book/01_data.ipynb``."""
    ax = _axes(ax)
    sns.countplot(data=df, x="emotion", hue="gender", ax=ax, palette="Set2")
    ax.set(xlabel="emotion", ylabel="utterances")
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_speaker_emotion(df: pd.DataFrame, ax=None):
    """A heat map of :func:`sercnn.datasets.overview.speaker_emotion_table` (without totals).
    Notebook: ``book/01_data.ipynb``."""
    from ..datasets.overview import speaker_emotion_table

    ax = _axes(ax, figsize=(7.0, 4.0))
    table = speaker_emotion_table(df).drop(index="total", columns="total")
    sns.heatmap(table, annot=True, fmt="d", cmap="Blues", ax=ax, cbar_kws={"label": "utterances"})
    ax.set(xlabel="emotion", ylabel="speaker (sex)")
    return ax


def plot_durations(
    df: pd.DataFrame, column: str = "duration_s", seconds: float | None = None, ax=None,
    label: str = "duration (s)",
):
    """Histogram of utterance durations (``column``, in seconds; stacked by emotion) against the networks'
    8 s window (section 3.5). Notebook: ``book/01_data.ipynb``."""
    from ..features import CLIP_SECONDS

    seconds = CLIP_SECONDS if seconds is None else seconds
    ax = _axes(ax)
    top = max(seconds, float(df[column].max())) + 0.25
    sns.histplot(
        data=df, x=column, hue="emotion", multiple="stack", binwidth=0.125, binrange=(0.0, top), ax=ax,
        palette="tab10",
    )
    ax.axvline(seconds, color="k", ls="--", lw=1)
    ax.text(seconds, ax.get_ylim()[1] * 0.95, f"{seconds:g} s window ", va="top", ha="right")
    ax.set(xlabel=label, ylabel="utterances", xlim=(0, top))
    return ax


def plot_waveform(y: np.ndarray, sr: int | None = None, ax=None, title: str | None = None, color: str = "C0"):
    """A waveform against time in seconds (the upper panels of the paper's Fig. 8).
    Notebook: ``book/01_data.ipynb``."""
    from ..features import SAMPLE_RATE

    sr = sr or SAMPLE_RATE
    ax = _axes(ax, figsize=(7.0, 2.0))
    t = np.arange(len(y)) / sr
    ax.plot(t, y, lw=0.4, color=color)
    ax.set(xlabel="time (s)", ylabel="amplitude", xlim=(0, len(y) / sr))
    if title:
        ax.set_title(title)
    return ax


def plot_log_mel(
    mel: np.ndarray, sr: int | None = None, hop_length: int | None = None, ax=None, colorbar: bool = False,
    title: str | None = None, vmin: float | None = None, vmax: float | None = None,
):
    """A log-mel spectrogram (dB) against time in seconds and frequency in Hz on the mel scale (the lower
    panels of the paper's Fig. 8; section 3.5). Notebook: ``book/01_data.ipynb``."""
    import librosa.display

    from ..features import HOP_LENGTH, SAMPLE_RATE

    sr, hop_length = sr or SAMPLE_RATE, hop_length or HOP_LENGTH
    ax = _axes(ax, figsize=(7.0, 3.0))
    img = librosa.display.specshow(
        mel, sr=sr, hop_length=hop_length, x_axis="time", y_axis="mel", ax=ax, cmap="magma", vmin=vmin, vmax=vmax
    )
    ax.set(xlabel="time (s)", ylabel="frequency (Hz, mel scale)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(img, ax=ax, format="%+.0f dB", label="power (dB)")
    return ax


def plot_utterance(path: str, axes=None, title: str | None = None):
    """One file's waveform (top) and log-mel spectrogram (bottom), at 16 kHz, without padding.
    Notebook: ``book/01_data.ipynb``."""
    from ..features import load_unpadded, log_mel

    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(7.0, 4.5), layout="constrained", sharex=True)
    y = load_unpadded(path)
    plot_waveform(y, ax=axes[0], title=title)
    plot_log_mel(log_mel(y), ax=axes[1], colorbar=True)
    axes[0].set_xlabel("")
    return axes


def plot_emotion_examples(examples: pd.DataFrame, axes=None):
    """The paper's Fig. 8: waveform (top row) and log-mel spectrogram (bottom row) of one utterance per
    emotion, each at 16 kHz without padding, on one colour scale. Notebook: ``book/01_data.ipynb``."""
    from ..datasets import utterance_ids
    from ..features import load_unpadded, log_mel

    n = len(examples)
    if axes is None:
        _, axes = plt.subplots(2, n, figsize=(2.1 * n, 4.6), layout="constrained", sharey="row")
    clips = [load_unpadded(p) for p in examples["path"]]
    mels = [log_mel(y) for y in clips]
    vmin, vmax = min(float(m.min()) for m in mels), max(float(m.max()) for m in mels)
    ids = utterance_ids(examples)
    for i, (row, y, mel) in enumerate(zip(examples.itertuples(), clips, mels)):
        plot_waveform(y, ax=axes[0, i], title=f"{row.emotion}\n{ids[i]}", color=f"C{i}")
        plot_log_mel(mel, ax=axes[1, i], vmin=vmin, vmax=vmax)
        if i:
            axes[0, i].set_ylabel("")
            axes[1, i].set_ylabel("")
    return axes


def plot_fixed_length(
    y: np.ndarray, pad: str = "end", sr: int | None = None, seconds: float | None = None, ax=None,
    title: str | None = None,
):
    """A clip cut or zero-padded to the 8 s window (section 3.5) with :func:`sercnn.features.fix_length`,
    the padding shaded. Notebook: ``book/01_data.ipynb``."""
    from ..features import CLIP_SECONDS, SAMPLE_RATE, fix_length

    sr = sr or SAMPLE_RATE
    seconds = CLIP_SECONDS if seconds is None else seconds
    n = round(sr * seconds)
    clip = fix_length(y, n, pad)
    ax = plot_waveform(clip, sr=sr, ax=ax, title=title)
    kept = min(len(y), n) / sr
    span = (kept, seconds) if pad == "end" else (0.0, seconds - kept)
    if span[1] > span[0]:
        ax.axvspan(*span, color="0.85", zorder=0, label=f"zero padding ({seconds - kept:.2f} s)")
        ax.legend(loc="upper right", fontsize="small")
    return ax

# --- end of chapter 1 -------------------------------------------------------------------------------------

# --- Chapter 2: the local feature learning block (book/02_lflb.ipynb) -----------------------------------


def plot_lflb_steps(x, steps: dict, axes=None):
    """One LFLB step by step on a tiny input (section 3.1.1, eqs. (1)-(5)): the input, then the
    ``steps`` of :func:`sercnn.book.lflb_reference.lflb_reference` (``conv``, ``bn``, ``elu``, ``pool``; one channel,
    one example). 1D: stems against the sample index; 2D: heatmaps with their values written in.
    ``axes``: five axes, or None for a new row. Returns the axes. Notebook: ``book/02_lflb.ipynb``."""
    x = np.asarray(x)
    names = ["input x", "conv, eq. (1)" if x.ndim == 1 else "conv, eq. (2)", "BN, eq. (3)", "ELU, eq. (4)",
             "max-pool, eq. (5)"]
    arrays = [x] + [np.asarray(steps[k]) for k in ("conv", "bn", "elu", "pool")]
    if axes is None:
        _, axes = plt.subplots(1, 5, figsize=(13, 2.8 if x.ndim == 1 else 3.0), layout="constrained",
                               sharey=x.ndim == 1)
    for ax, name, a in zip(axes, names, arrays):
        if a.ndim == 1:
            ax.stem(np.arange(len(a)), a, basefmt="0.7")
            ax.set_xlabel("index n (samples)")
            ax.set_xticks(np.arange(len(a)))
        else:
            limit = float(np.abs(a).max()) or 1.0
            ax.imshow(a, cmap="vlag", vmin=-limit, vmax=limit)
            for (i, j), v in np.ndenumerate(a):
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7)
            ax.set_xticks(np.arange(a.shape[1]))
            ax.set_yticks(np.arange(a.shape[0]))
            ax.set_xlabel("j (frames)")
            ax.set_ylabel("i (mel bands)")
        ax.set_title(name, fontsize=10)
    if x.ndim == 1:
        axes[0].set_ylabel("value")
    return axes


def plot_shapes_and_fields(shapes: pd.DataFrame, fields: pd.DataFrame, ax=None, *, unit: str = "samples"):
    """Along the layers of the four LFLBs: the number of time steps each layer outputs (falls at every
    pooling) and the receptive field of one output in input time steps (grows at every layer); Tables
    1 and 2, :func:`sercnn.geometry.shape_table` and :func:`sercnn.geometry.receptive_field_table`.
    ``unit``: "samples" (1D) or "frames" (2D). Returns the axes. Notebook: ``book/02_lflb.ipynb``."""
    ax = _axes(ax, figsize=(7.5, 3.6))
    names = list(shapes.index)
    pos = np.arange(len(names))
    ax.plot(pos, shapes["time steps"], "o-", label="time steps out (sequence length)")
    ax.plot(pos, fields[f"field ({unit})"], "s--", label=f"receptive field of one output ({unit})")
    for p, a, b in zip(pos, shapes["time steps"], fields[f"field ({unit})"]):
        ax.annotate(str(a), (p, max(a, 0.6)), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        ax.annotate(str(b), (p, b), textcoords="offset points", xytext=(0, -13), ha="center", fontsize=8,
                    color="C1")
    ax.set_yscale("log")
    low = min(shapes["time steps"].clip(lower=1).min(), fields[f"field ({unit})"].min())
    ax.set_ylim(bottom=low / 4)
    ax.set_xticks(pos, [n.split("LFLB")[1].replace("_", " ") for n in names], rotation=30)
    ax.set_xlabel("LFLB and layer")
    ax.set_ylabel(f"count ({unit}, log scale)")
    ax.legend(fontsize=8, loc="center left")
    return ax


def plot_first_block(signal, activations, *, sample_rate: int = 16000, hop_length: int = 512, pool: int = 4,
                     channels: int = 16, seconds: float | None = None, axes=None, title: str = ""):
    """What the first LFLB outputs for one utterance: the input (waveform or log-mel spectrogram, top) and
    ``channels`` of the block's pooled output (bottom, one row per kernel, each scaled to its own range)
    against time in seconds. ``activations``: (time steps, kernels) or (mel bands, frames, kernels), whose
    time step is ``pool`` input steps; ``seconds`` limits the time axis (e.g. to the speech before the
    padding). Each kernel's row is scaled between its 1st and 99th percentile. Returns the two axes.
    Notebook: ``book/02_lflb.ipynb``."""
    signal, activations = np.asarray(signal), np.asarray(activations)
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(9, 5), layout="constrained", sharex=True)
    top, bottom = axes
    if signal.ndim == 1:
        t = np.arange(len(signal)) / sample_rate
        top.plot(t, signal, lw=0.4)
        top.set_ylabel("amplitude")
        step = pool / sample_rate
        act = activations[:, :channels].T
    else:
        frame = hop_length / sample_rate
        top.imshow(signal, origin="lower", aspect="auto", cmap="magma",
                   extent=(0, signal.shape[1] * frame, 0, signal.shape[0]))
        top.set_ylabel("mel band")
        step = pool * frame
        act = activations.max(axis=0)[:, :channels].T  # the strongest response over mel bands per frame
    lo, hi = np.percentile(act, 1, axis=1, keepdims=True), np.percentile(act, 99, axis=1, keepdims=True)
    act = np.clip((act - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
    bottom.imshow(act, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest",
                  extent=(0, act.shape[1] * step, -0.5, act.shape[0] - 0.5))
    bottom.set_ylabel("kernel (channel)")
    bottom.set_yticks(np.arange(0, act.shape[0], max(1, act.shape[0] // 4)))
    bottom.set_xlabel("time (s)")
    if seconds is not None:
        bottom.set_xlim(0, seconds)
    top.set_title(title, fontsize=10)
    return axes


def plot_seen_frames(log_mel, seen: tuple[int, int], *, sample_rate: int = 16000, hop_length: int = 512, ax=None):
    """A log-mel spectrogram (mel bands x frames) with the frames that no output of the 2D network's last
    LFLB sees shaded: with Table 2's 'valid' pooling, 251 frames leave one time step whose receptive field
    ends at frame ``seen[1]`` (:func:`sercnn.geometry.receptive_fields`). Returns the axes.
    Notebook: ``book/02_lflb.ipynb``."""
    ax = _axes(ax, figsize=(8, 3))
    log_mel = np.asarray(log_mel)
    frame = hop_length / sample_rate
    n = log_mel.shape[1]
    ax.imshow(log_mel, origin="lower", aspect="auto", cmap="magma", extent=(0, n * frame, 0, log_mel.shape[0]))
    ax.axvspan((seen[1] + 1) * frame, n * frame, color="white", alpha=0.6, hatch="//",
               label=f"frames {seen[1] + 1}–{n - 1}: never seen")
    ax.axvline((seen[1] + 1) * frame, color="white", lw=1)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mel band")
    ax.legend(loc="upper right", fontsize=8)
    return ax

# --- end of chapter 2 -------------------------------------------------------------------------------------

# --- Chapter 3: the LSTM (book/03_lstm.ipynb) ----------------------------------------------------------

#: How the chapter-3 figures draw each LSTM quantity: (label, colormap, value range or None for symmetric).
_LSTM_PANELS = {
    "i": ("input gate $i_t$ (eq. 7)", "viridis", (0.0, 1.0)),
    "f": ("forget gate $f_t$ (eq. 6)", "viridis", (0.0, 1.0)),
    "o": ("output gate $o_t$ (eq. 8)", "viridis", (0.0, 1.0)),
    "g": ("candidate $g_t$ (eq. 9)", "coolwarm", (-1.0, 1.0)),
    "c": ("cell state $c_t$ (eq. 9)", "coolwarm", None),
    "h": ("output $h_t$ (eq. 10)", "coolwarm", (-1.0, 1.0)),
}


def _one_sequence(trace: dict, key: str, units) -> np.ndarray:
    """(T, len(units)) of one quantity of a trace of ``sercnn.book.lstm_reference.lstm_sequence`` (first item
    of a batch)."""
    a = np.asarray(trace[key])
    while a.ndim > 2:
        a = a[0]
    return a[:, list(units)]


def plot_lstm_gates_heatmap(trace: dict, units=range(8), step_seconds: float | None = None,
                            fixed_range: bool = False, ax=None):
    """The LSTM's gates and states over time (eqs. 6-10), one heatmap per quantity (i, f, o, g, c, h):
    rows are units, columns time steps. ``step_seconds`` labels time in seconds. Each panel's colour scale
    spans its own values (symmetric about 0 for g, c, h), or with ``fixed_range`` the quantity's whole
    range (0..1 for gates, -1..1 for g and h). ``ax``: six axes or None.

    Notebook: book/03_lstm.ipynb. Returns the six axes.
    """
    units = list(units)
    if ax is None:
        _, ax = plt.subplots(len(_LSTM_PANELS), 1, figsize=(8.0, 9.0), sharex=True, layout="constrained")
    axes = np.ravel(ax)
    n_steps = np.asarray(trace["h"]).shape[-2]
    x_end = n_steps * step_seconds if step_seconds else n_steps
    for a, (key, (label, cmap, vrange)) in zip(axes, _LSTM_PANELS.items()):
        values = _one_sequence(trace, key, units).T
        if not fixed_range or vrange is None:
            if cmap == "coolwarm":
                lim = float(np.max(np.abs(values))) or 1.0
                vrange = (-lim, lim)
            else:
                lo, hi = float(values.min()), float(values.max())
                vrange = (lo, hi if hi > lo else lo + 1e-6)
        image = a.imshow(values, aspect="auto", interpolation="nearest", cmap=cmap, vmin=vrange[0], vmax=vrange[1],
                         extent=(0.0, x_end, len(units) - 0.5, -0.5))
        a.set_yticks(range(len(units)), [str(u) for u in units])
        a.set_ylabel("unit")
        a.set_title(label, fontsize="medium", loc="left")
        a.figure.colorbar(image, ax=a, pad=0.01, aspect=8)
    axes[-1].set_xlabel("time (s)" if step_seconds else "time step")
    return axes


def plot_lstm_step(trace: dict, t: int, units=range(8), ax=None):
    """The gates i, f, o, the candidate g and the states c, h of a few units at one time step ``t``
    (eqs. 6-10), as bars. Notebook: book/03_lstm.ipynb. Returns the axes."""
    units = list(units)
    ax = _axes(ax)
    rows = [
        {"quantity": key, "unit": str(u), "value": float(v)}
        for key in _LSTM_PANELS
        for u, v in zip(units, _one_sequence(trace, key, units)[t])
    ]
    sns.barplot(data=pd.DataFrame(rows), x="quantity", y="value", hue="unit", ax=ax, palette="tab10")
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_xlabel("gate (i, f, o: 0..1) / candidate g, output h (-1..1) / cell state c (unbounded)")
    ax.set_ylabel("value (dimensionless)")
    top = max(1.05, float(np.abs(_one_sequence(trace, "c", units)).max()) * 1.05)
    ax.set_ylim(-top, top)
    ax.legend(title="unit", ncols=min(len(units), 8), fontsize="small", loc="lower left")
    return ax


def plot_lstm_traces(trace: dict, keys=("c", "h"), units=range(8), t: int | None = None,
                     step_seconds: float | None = None, ax=None):
    """Chosen quantities of a few units over time (solid ``c``, dashed ``h`` ...), with a cursor at step
    ``t``. Notebook: book/03_lstm.ipynb. Returns the axes."""
    units = list(units)
    ax = _axes(ax)
    styles = ["-", "--", ":", "-."]
    colors = sns.color_palette("tab10", len(units))
    for k, key in enumerate(keys):
        values = _one_sequence(trace, key, units)
        time = np.arange(len(values)) * (step_seconds or 1.0)
        for color, u, column in zip(colors, units, values.T):
            ax.plot(time, column, styles[k % len(styles)], color=color, lw=1.0,
                    label=f"{key}, unit {u}" if k == 0 or u == units[0] else None)
    if t is not None:
        ax.axvline(t * (step_seconds or 1.0), color="k", lw=1.0)
    ax.set_xlabel("time (s)" if step_seconds else "time step")
    ax.set_ylabel(" / ".join(keys) + " (dimensionless)")
    ax.legend(fontsize="x-small", ncols=4, loc="upper right")
    return ax


def plot_padded_state_distance(distance: dict, step_seconds: float | None = None, mark_steps: int | None = None,
                               mark_label: str = "", label: str = "", ax=None):
    """How far apart two sequences' LSTM states are after each padded step (the output of
    ``sercnn.book.lstm_reference.padded_state_distance``), on a log scale: why end padding hurts the 1D network.
    ``mark_steps`` draws a vertical line (e.g. the padding of a 2 s clip); ``label`` prefixes the legend
    entries, so that several runs can share the axes. Notebook: book/03_lstm.ipynb."""
    ax = _axes(ax)
    steps = np.asarray(distance["steps"])
    color = None
    for key, style in (("h", "-"), ("c", "--")):
        (line,) = ax.semilogy(steps, distance[key], style, color=color,
                              label=(label + ": " if label else "") + f"$\\|{key}_a - {key}_b\\|$")
        color = line.get_color()
    if mark_steps is not None:
        ax.axvline(mark_steps, color="0.3", lw=1.0, ls=":")
        if mark_label:
            ax.annotate(mark_label, (mark_steps, 0.9), xycoords=("data", "axes fraction"), ha="right",
                        fontsize="small", xytext=(-4, 0), textcoords="offset points")
    unit = f" (one step = {step_seconds * 1000:g} ms)" if step_seconds else ""
    ax.set_xlabel("padded steps after the speech" + unit)
    ax.set_ylabel("Euclidean distance between the two states")
    ax.legend(loc="lower left", fontsize="small")
    return ax


# --- end of chapter 3 -------------------------------------------------------------------------------------

# --- Chapters 4-5: training and evaluation (book/04_1d_cnn_lstm.ipynb, book/05_2d_cnn_lstm.ipynb) ------

def training_curves(history: dict, axes=None, best_epoch: int | None = None, title: str | None = None):
    """Loss and accuracy per epoch, training against validation (section 4.1, early stopping); a dotted
    line marks the epoch the model was taken from. Returns the two axes.

    Notebook: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.4), layout="constrained")
    from ..training import history_frame

    frame = history_frame(history)
    for ax, metric, unit in zip(axes, ("loss", "accuracy"), ("cross-entropy", "%")):
        part = frame[frame["metric"] == metric]
        sns.lineplot(data=part, x="epoch", y="value", hue="set", marker="o", markersize=4, ax=ax)
        ax.set(xlabel="epoch", ylabel=f"{metric} ({unit})")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if best_epoch:
            ax.axvline(best_epoch, color="0.4", linestyle=":", label=f"best epoch ({best_epoch})")
        ax.legend(title=None)
    if title:
        axes[0].figure.suptitle(title)
    return axes


def runs_curves(runs: dict[str, dict], axes=None, title: str | None = None):
    """Training (left) and validation (right) accuracy per epoch of several run records, one line per run, with
    a dot at the epoch each run kept: how far each was from done when early stopping ended it. Returns the two
    axes.

    Notebook: ``book/04_1d_cnn_lstm.ipynb``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11.0, 3.6), layout="constrained", sharey=True)
    for i, (name, r) in enumerate(runs.items()):
        best = int(r["training"]["best_epoch"])
        for ax, key in zip(axes, ("accuracy", "val_accuracy")):
            values = 100 * np.asarray(r["history"][key], dtype=float)
            epochs = np.arange(1, len(values) + 1)
            ax.plot(epochs, values, color=f"C{i}", lw=1.2, label=name)
            ax.plot(best, values[best - 1], "o", color=f"C{i}", ms=6)
    axes[0].set(xlabel="epoch", ylabel="accuracy (%)", title="training (dot: the kept epoch)")
    axes[1].set(xlabel="epoch", title="validation")
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    if title:
        axes[0].figure.suptitle(title)
    return axes


def compare_curves(histories: dict[str, dict], key: str = "val_accuracy", ax=None, chance: float | None = None,
                   colors: dict[str, str] | None = None):
    """One history key (e.g. validation accuracy) of several runs on one axes, labelled by the dict's keys;
    ``chance`` draws the accuracy of always answering the largest class; ``colors`` maps a label to a colour,
    or to a model key of :data:`MODEL_COLORS` (runs of different models keep their colours). Returns the axes.

    Notebook: ``book/05_2d_cnn_lstm.ipynb`` (the BatchNorm / early-stopping pitfall).
    """
    ax = _axes(ax)
    scale = 100.0 if key.endswith("accuracy") else 1.0
    for label, history in histories.items():
        values = np.asarray(history[key], dtype=float) * scale
        color = (colors or {}).get(label)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label,
                color=MODEL_COLORS.get(color, color))
    if chance is not None:
        ax.axhline(100 * chance, color="0.5", linestyle="--", label="majority class")
    unit = "%" if scale == 100.0 else "cross-entropy"
    ax.set(xlabel="epoch", ylabel=f"{key.replace('val_', 'validation ').replace('_', ' ')} ({unit})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return ax


def confusion_matrix(result: dict, ax=None, title: str | None = None):
    """A run's row-normalised confusion matrix in percent, the form of the paper's Tables 3-6 (rows: true
    emotion, columns: predicted; each row sums to 100). ``result`` is ``record["metrics"]["test"]`` or any
    output of :func:`sercnn.evaluation.metrics`. Returns the axes.

    Notebook: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    from ..evaluation import confusion_frame

    frame = confusion_frame(result, short=False)
    ax = _axes(ax, figsize=(5.6, 4.6))
    sns.heatmap(frame, annot=True, fmt=".0f", cmap="Blues", vmin=0, vmax=100, cbar_kws={"label": "% of the true class"},
                square=True, ax=ax)
    ax.set(xlabel="predicted emotion", ylabel="true emotion")
    ax.set_title(title or f"accuracy {result['accuracy']:.1f} %, UAR {result['uar']:.1f} %")
    return ax


# --- end of chapters 4-5 ----------------------------------------------------------------------------------

# --- Chapter 6: hyperparameter search (book/06_hyperopt.ipynb) --------------------------------------------


def search_progress(searches: dict[str, dict], ax=None):
    """Best validation accuracy so far against trial number, one line per search (e.g. TPE and random search
    on the same budget), each trial's own accuracy as a dot. ``searches`` maps a label to a ``search.json``
    (:func:`sercnn.search.load_search`). Section 3.4. Returns the axes.

    Notebook: ``book/06_hyperopt.ipynb``.
    """
    from ..search import trials_frame

    ax = _axes(ax)
    for i, (label, summary) in enumerate(searches.items()):
        frame = trials_frame(summary)
        if not len(frame):
            continue
        ax.plot(frame.index, frame["best so far"], drawstyle="steps-post", color=f"C{i}", lw=2,
                label=f"{label}: best so far ({frame['accuracy'].max():.1f} %)")
        ax.scatter(frame.index, frame["accuracy"], color=f"C{i}", s=18, alpha=0.6)
    ax.set(xlabel="trial", ylabel="validation-speaker accuracy (%)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right", fontsize="small")
    return ax


#: Hyperparameters searched on a log scale (their axes are drawn on one).
LOG_SCALE = ("learning_rate", "l2_weight")


def search_by_optimizer(summary: dict, param: str = "learning_rate", ax=None):
    """Each trial's validation accuracy against one hyperparameter (``param``; log axis for the learning rate
    and L2), coloured by optimizer (the paper's choice of Adagrad, Adam, SGD, RMSprop, section 3.4): which
    optimizer won, and where. The best trial is circled. Returns the axes.

    Notebook: ``book/06_hyperopt.ipynb``.
    """
    from ..search import trials_frame
    from ..training import OPTIMIZERS

    ax = _axes(ax)
    frame = trials_frame(summary)
    for i, name in enumerate(OPTIMIZERS):
        part = frame[frame["optimizer"] == name] if len(frame) else frame
        if len(part):
            ax.scatter(part[param].astype(float), part["accuracy"], color=f"C{i}", s=30, label=f"{name} ({len(part)})")
    if len(frame):
        best = frame.loc[frame["accuracy"].idxmax()]
        ax.scatter([float(best[param])], [best["accuracy"]], s=160, facecolors="none", edgecolors="k",
                   label="best trial")
    if param in LOG_SCALE:
        ax.set_xscale("log")
    ax.set(xlabel=param.replace("_", " ") + (" (log scale)" if param in LOG_SCALE else ""),
           ylabel="validation-speaker accuracy (%)")
    ax.legend(fontsize="small", title="optimizer (trials)")
    return ax


# --- end of chapter 6 -------------------------------------------------------------------------------------

# --- Chapter 7: results (book/07_results.ipynb) -----------------------------------------------------------


def fold_comparison(summaries: dict[str, dict], ax=None):
    """Held-out test accuracy per fold (test speaker or pair, or seed), one bar per model: where the networks
    win over the shallow baseline and where they do not. ``summaries`` maps a label to a protocol
    ``summary.json`` (:func:`sercnn.book.results.load_protocols`) of the same protocol; each model is drawn in its
    :data:`MODEL_COLORS` colour (by the summary's ``model``). Returns the axes.

    Notebook: ``book/07_results.ipynb``.
    """
    rows = [{"fold": f["fold"], "model": label, "accuracy %": f["accuracy"]}
            for label, s in summaries.items() for f in s["folds"]]
    ax = _axes(ax, figsize=(8.0, 3.6))
    frame = pd.DataFrame(rows)
    # each model in its colour of MODEL_COLORS (by the summary's model key), whichever panel it is drawn in
    palette = {label: model_color(s.get("model"), f"C{i}") for i, (label, s) in enumerate(summaries.items())}
    sns.barplot(frame, x="fold", y="accuracy %", hue="model", palette=palette, saturation=1, ax=ax)
    for label, s in summaries.items():
        ax.axhline(s["accuracy"]["mean"], color=palette[label], ls=":", lw=1)
    ax.set(xlabel="test fold", ylabel="held-out test accuracy (%)", ylim=(0, 100))
    ax.legend(fontsize="small", loc="lower right", title="model (dotted: mean over folds)")
    return ax


def paper_confusion(table: dict, classes, ax=None, title: str | None = None):
    """One of the paper's confusion matrices (Tables 3-6, ``sercnn.paper.TABLE_3`` ...) drawn as
    :func:`confusion_matrix` draws a run's. Returns the axes.

    Notebook: ``book/07_results.ipynb``.
    """
    result = {"confusion_pct": table["confusion_pct"], "classes": list(classes),
              "accuracy": table["average"], "uar": float(np.mean(np.diag(table["confusion_pct"])))}
    return confusion_matrix(result, ax=ax, title=title)


# --- end of chapter 7 -------------------------------------------------------------------------------------


# --- Chapter 8: beyond the paper (book/08_beyond.ipynb) ----------------------------------------------------

#: One colour per baseline band of the ladder figure, in its model's hue of :data:`MODEL_COLORS` (dark with
#: speaker normalisation, light without); the rungs, 2D networks, are drawn in the 2D network's colour.
BASELINE_COLORS = {"svm-compare-train": "#a6dba0", "svm-compare-speaker": MODEL_COLORS["svm-compare"],
                   "svm-egemaps-train": "#c2a5cf", "svm-egemaps-speaker": MODEL_COLORS["svm-egemaps"]}


def ladder(intervals: pd.DataFrame, ax=None, ylabel: str = "held-out test accuracy (%)", title: str | None = None):
    """The ladder of ``sercnn.recipes.LADDER``: each rung's mean over folds with its 95 % bootstrap interval
    (:func:`sercnn.book.results.ladder_intervals`), the seeds' ensemble as an open marker, and each baseline as a
    band (its interval) across the figure. Returns the axes.

    Notebook: ``book/08_beyond.ipynb``.
    """
    ax = _axes(ax, figsize=(8.0, 3.8))
    rungs = intervals[intervals["kind"] == "rung"]
    x = np.arange(len(rungs))
    for name, row in intervals[intervals["kind"] == "baseline"].iterrows():
        color = BASELINE_COLORS.get(name, "0.7")
        ax.axhspan(row["low"], row["high"], color=color, alpha=0.18, lw=0)
        ax.axhline(row["mean"], color=color, lw=1.2, label=f"{row['label']}: {row['mean']:.1f}")
    if len(rungs):
        err = np.vstack([rungs["mean"] - rungs["low"], rungs["high"] - rungs["mean"]])
        ax.errorbar(x, rungs["mean"], yerr=err, fmt="o", color=MODEL_COLORS["2d"], capsize=4,
                    label="rung (2D network): mean, 95 % CI")
        ens = rungs["ensemble"].astype(float)
        if ens.notna().any():
            ax.plot(x, ens, "D", mfc="none", mec=MODEL_COLORS["2d"], ms=9, label="rung: ensemble of its seeds")
    ax.set_xticks(x, list(rungs.index), rotation=20, ha="right")
    ax.set(ylabel=ylabel, xlabel="rung (each adds one change to the rung on its left)", title=title)
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, frameon=False)
    return ax


def listeners_per_class(table: pd.DataFrame, ax=None):
    """Per emotion, the listeners' mean recognition on EmoDB's kept utterances beside each model's held-out LOSO
    recall (:func:`sercnn.book.listeners.per_class`), as grouped bars. Returns the axes.

    Notebook: ``book/08_beyond.ipynb``.
    """
    ax = _axes(ax, figsize=(10.0, 4.2))
    cols = ["listeners %"] + [c for c in table.columns if c.endswith(" recall %")]
    width = 0.8 / len(cols)
    x = np.arange(len(table))
    used = set()
    for i, col in enumerate(cols):
        name = col.removesuffix(" recall %")
        color = "0.35" if col == "listeners %" else model_color(name.split(" ")[0], f"C{i}")
        while color in used:  # two runs of one model: the second in a lighter shade of the model's colour
            color = tuple(0.5 + 0.5 * c for c in mcolors.to_rgb(color))
        used.add(color)
        ax.bar(x + (i - (len(cols) - 1) / 2) * width, table[col], width, color=color,
               label="listeners (recognition)" if col == "listeners %" else f"{name} (recall)")
    ax.set_xticks(x, list(table.index))
    ax.set(ylim=(0, 105), ylabel="% of the class recognised", xlabel="emotion")
    ax.legend(fontsize="x-small", ncol=min(len(cols), 4), loc="upper center", bbox_to_anchor=(0.5, -0.14),
              frameon=False)
    return ax


def listeners_scatter(joined: pd.DataFrame, column: str = "p_true", ax=None, title: str | None = None,
                      seed: int = 0):
    """One dot per utterance: the listeners' recognition (%) against the model's ``column`` (its probability of
    the true class, or the share of its seeds that were right), coloured by emotion. Both are jittered a little
    (recognition comes in steps of about 5 %, hits in steps of a third). ``joined`` is a
    :func:`sercnn.book.listeners.held_out` frame with the manifest's ``recognition_pct``. Returns the axes.

    Notebook: ``book/08_beyond.ipynb``.
    """
    ax = _axes(ax, figsize=(6.0, 4.0))
    rng = np.random.default_rng(seed)
    x = joined["recognition_pct"].to_numpy() + rng.uniform(-1.2, 1.2, len(joined))
    y = joined[column].to_numpy(dtype=float)
    y = y + (rng.uniform(-0.04, 0.04, len(y)) if column == "correct" else 0)
    for i, (emotion, idx) in enumerate(joined.groupby("emotion").indices.items()):
        ax.scatter(x[idx], y[idx], s=12, alpha=0.6, color=f"C{i}", label=emotion, lw=0)
    ax.set(xlabel="listeners who recognised the intended emotion (%)",
           ylabel="model: p(true class)" if column == "p_true" else "model: share of seeds right", title=title)
    ax.legend(fontsize="x-small", markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax


# --- Chapter 5: try your own voice (book/05_2d_cnn_lstm.ipynb) ----------------------------------------------


def plot_voice(result: dict, axes=None):
    """A recording through the 2D network (:func:`sercnn.book.voice.analyse`): its log-mel spectrogram in the
    model's window (the zero padding shaded), the probability of each emotion (the prediction in red), and
    the occlusion sensitivity of the prediction over the log-mel (red: hiding the region lowers the
    predicted class' probability, so it drove the decision; blue: hiding it raises it; over the log-mel in
    greys, dark where it is loud). ``axes``: three
    axes (log-mel, bars, occlusion). Returns them.

    Notebook: ``book/05_2d_cnn_lstm.ipynb``.
    """
    import librosa.display

    if axes is None:
        fig = plt.figure(figsize=(11.0, 5.6), layout="constrained")
        grid = fig.add_gridspec(2, 2, width_ratios=[2.3, 1.0])
        mel_ax = fig.add_subplot(grid[0, 0])
        occ_ax = fig.add_subplot(grid[1, 0], sharex=mel_ax, sharey=mel_ax)
        axes = [mel_ax, fig.add_subplot(grid[:, 1]), occ_ax]
    mel_ax, bar_ax, occ_ax = axes
    mel, sr, hop = result["log_mel"], result["sample_rate"], result["hop_length"]
    seconds, window = result["seconds"], result["window_seconds"]
    name = result.get("name", "the recording")
    plot_log_mel(mel, sr=sr, hop_length=hop, ax=mel_ax, colorbar=True,
                 title=f"{name}: {seconds:.2f} s of audio in the {window:g} s window")
    if seconds < window:
        span = (seconds, window) if result.get("pad", "end") == "end" else (0.0, window - seconds)
        for ax in (mel_ax, occ_ax):
            ax.axvspan(*span, facecolor="none", edgecolor="0.75", hatch="//", lw=0)
        mel_ax.text(sum(span) / 2, mel_ax.get_ylim()[1] * 0.5, "zero padding", color="0.85", ha="center",
                    va="center", fontsize="small")

    classes, probs, best = result["classes"], 100 * np.asarray(result["probabilities"]), result["predicted_index"]
    colors = ["C3" if i == best else "0.65" for i in range(len(classes))]
    bars = bar_ax.barh(classes, probs, color=colors)
    bar_ax.bar_label(bars, fmt="%.0f %%", fontsize="small", padding=2)
    bar_ax.invert_yaxis()
    bar_ax.set(xlim=(0, 112), xlabel="probability (%)", title=f"prediction: {result['predicted']}")

    occlusion = result.get("occlusion")
    if occlusion is None:
        occ_ax.set_axis_off()
        occ_ax.text(0.5, 0.5, "occlusion map not computed", ha="center", va="center", transform=occ_ax.transAxes)
        return axes
    librosa.display.specshow(mel, sr=sr, hop_length=hop, x_axis="time", y_axis="mel", ax=occ_ax, cmap="gray_r")
    limit = max(float(np.abs(occlusion).max()), 1e-6)
    img = librosa.display.specshow(occlusion, sr=sr, hop_length=hop, x_axis="time", y_axis="mel", ax=occ_ax,
                                   cmap="RdBu_r", vmin=-limit, vmax=limit, alpha=0.6)
    occ_ax.figure.colorbar(img, ax=occ_ax, label=f"drop in p({result['predicted']})")
    patch = result.get("patch")
    where = f", patches of {patch[0]} bands x {patch[1]} frames" if patch else ""
    occ_ax.set(xlabel="time (s)", ylabel="frequency (Hz, mel scale)",
               title=f"what drove it: occlusion sensitivity{where}")
    return axes
