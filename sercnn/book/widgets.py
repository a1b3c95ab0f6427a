"""The book's interactions (ipywidgets). Each function returns a widget that a chapter displays; the
logic it calls lives in the other modules, so the static HTML shows a figure drawn by ``sercnn.book.plots``
beside the widget, and nbval runs a widget cell like any other.

ipywidgets is imported lazily: the package works without it.
"""

from __future__ import annotations


def _draw_into(out, fig) -> None:
    """Show ``fig`` in the ``ipywidgets.Output`` ``out`` in place of what it showed, and free the figure."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    with out:
        out.clear_output(wait=True)
        display(fig)
    plt.close(fig)

# --- Chapter 0: introduction ----------------------------------------------------------------------------


def paper_explorer(runs: list[dict] | None = None, corpus: str = "emodb", protocol: str = "speaker-independent"):
    """Pick a corpus and a protocol: the paper's Table 7(a) and 7(b) for both networks, beside this book's
    held-out figure where committed run records ``runs`` have one (:func:`sercnn.book.plots.paper_against_book`).
    Notebook: ``book/00_introduction.ipynb``."""
    import ipywidgets as w

    from .plots import paper_against_book

    corpus_box = w.ToggleButtons(options=["emodb", "iemocap"], value=corpus, description="corpus")
    protocol_box = w.ToggleButtons(options=["speaker-dependent", "speaker-independent"], value=protocol,
                                   description="protocol")
    out = w.Output()

    def show(_=None) -> None:
        ax = paper_against_book(corpus_box.value, protocol_box.value, runs)
        _draw_into(out, ax.figure)

    corpus_box.observe(show, names="value")
    protocol_box.observe(show, names="value")
    show()
    return w.VBox([corpus_box, protocol_box, out])


# --- end of chapter 0 -------------------------------------------------------------------------------------

# --- Chapter 1: data -------------------------------------------------------------------------------------


def utterance_explorer(df, emotion: str | None = None, speaker: str | None = None, utterance: str | None = None):
    """Pick an emotion, a speaker and one of their utterances: hear it and see its waveform and log-mel
    spectrogram (:func:`sercnn.book.plots.plot_utterance`). Only the default state is drawn on construction.
    Notebook: ``book/01_data.ipynb``.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython.display import Audio, display

    from ..datasets import utterance_ids
    from .plots import plot_utterance

    ids = pd.Series(utterance_ids(df), index=df.index)
    emotions = [c for c in df["emotion"].cat.categories if (df["emotion"] == c).any()]
    speakers = sorted(df["speaker"].astype(str).unique())
    emotion_box = w.Dropdown(options=emotions, value=emotion or emotions[0], description="emotion")
    speaker_box = w.Dropdown(options=speakers, value=str(speaker or speakers[0]), description="speaker")
    utterance_box = w.Dropdown(description="utterance")
    out = w.Output()

    def choices() -> list[str]:
        rows = (df["emotion"] == emotion_box.value) & (df["speaker"].astype(str) == speaker_box.value)
        return sorted(ids[rows])

    def show(_=None) -> None:
        with out:
            out.clear_output(wait=True)
            if utterance_box.value is None:
                print(f"Speaker {speaker_box.value} has no {emotion_box.value} utterance in this corpus.")
                return
            row = df[ids == utterance_box.value].iloc[0]
            sentence = f": \u201c{row['sentence']}\u201d" if row.get("sentence") else ""
            display(Audio(filename=row["path"]))
            axes = plot_utterance(row["path"], title=f"{utterance_box.value} ({row['emotion']}){sentence}")
            display(axes[0].figure)
            plt.close(axes[0].figure)

    updating = False

    def refresh(_=None) -> None:
        nonlocal updating
        updating = True  # new options select the first one (or None): draw once, below
        try:
            options = choices()
            utterance_box.options = options
            utterance_box.value = options[0] if options else None
        finally:
            updating = False
        show()

    def on_utterance(_=None) -> None:
        if not updating:
            show()

    options = choices()
    utterance_box.options = options
    utterance_box.value = utterance if utterance in options else (options[0] if options else None)
    emotion_box.observe(refresh, names="value")
    speaker_box.observe(refresh, names="value")
    utterance_box.observe(on_utterance, names="value")
    show()
    return w.VBox([w.HBox([emotion_box, speaker_box, utterance_box]), out])


def audio_players(rows, label: str = "emotion"):
    """A small HTML table of audio players, one per row of a manifest (``label`` column, utterance name,
    player), the files embedded so that the static book plays them. Notebook: ``book/01_data.ipynb``."""
    import base64
    import html
    from pathlib import Path

    from IPython.display import HTML

    from ..datasets import utterance_ids

    ids = utterance_ids(rows)
    lines = ["<table>", f"<tr><th>{html.escape(label)}</th><th>utterance</th><th>audio</th></tr>"]
    for (_, row), name in zip(rows.iterrows(), ids):
        data = base64.b64encode(Path(row["path"]).read_bytes()).decode("ascii")
        lines.append(
            f"<tr><td>{html.escape(str(row[label]))}</td><td><code>{html.escape(name)}</code></td>"
            f'<td><audio controls preload="none" src="data:audio/wav;base64,{data}"></audio></td></tr>'
        )
    lines.append("</table>")
    return HTML("\n".join(lines))

# --- end of chapter 1 -------------------------------------------------------------------------------------

# --- Chapter 2: the LFLB ---------------------------------------------------------------------------------


def lflb_shapes_table(dim: int = 1, kernel: int = 3, conv_stride: int = 1, first_pool: int | None = None,
                      pool: int = 4, pool_padding: str = "valid"):
    """Output shape and receptive field of each layer of four LFLBs (Tables 1 and 2) with another kernel
    size, convolution stride or pool size, on the paper's input (8 s: 128000 samples, or 128 x 251), by
    :func:`sercnn.geometry.block_shapes` and :func:`sercnn.geometry.receptive_field_table` (no Keras model
    is built). ``first_pool`` defaults to the paper's (4 for 1D, 2 for 2D). Notebook: ``book/02_lflb.ipynb``."""
    import pandas as pd

    from ..geometry import lflb_geometry, receptive_field_table, shape_table

    first_pool = first_pool or (4 if dim == 1 else 2)
    pools = [first_pool] + [pool] * 3
    geometry = lflb_geometry(dim, pools=pools, kernel=kernel, conv_stride=conv_stride, pool_padding=pool_padding)
    input_shape = (128000, 1) if dim == 1 else (128, 251, 1)
    shapes = shape_table(geometry, input_shape)
    fields = receptive_field_table(geometry, input_shape)
    return pd.concat([shapes, fields], axis=1)


def lflb_shapes_widget():
    """Sliders for the LFLB's kernel size, convolution stride and pool sizes, 1D or 2D, and 'valid' or
    'same' pooling: the table of output shapes and receptive fields and the figure of
    :func:`sercnn.book.plots.plot_shapes_and_fields` follow them (pure shape arithmetic, fast).
    Notebook: ``book/02_lflb.ipynb``."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .plots import plot_shapes_and_fields

    dim = w.ToggleButtons(options=[("1D (raw audio)", 1), ("2D (log-mel)", 2)], value=1, description="network")
    kernel = w.IntSlider(value=3, min=1, max=15, step=2, description="conv kernel")
    stride = w.IntSlider(value=1, min=1, max=4, description="conv stride")
    first = w.IntSlider(value=4, min=1, max=8, description="pool, LFLB1")
    pool = w.IntSlider(value=4, min=1, max=8, description="pool, LFLB2-4")
    padding = w.ToggleButtons(options=["valid", "same"], value="valid", description="pooling")
    out = w.Output()

    def show(*_):
        table = lflb_shapes_table(dim.value, kernel.value, stride.value, first.value, pool.value, padding.value)
        unit = "samples" if dim.value == 1 else "frames"
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
            plot_shapes_and_fields(table, table, ax=ax, unit=unit)
            display(fig)
            plt.close(fig)
            display(table)

    def paper_pool(change):
        first.value = 4 if change["new"] == 1 else 2

    dim.observe(paper_pool, names="value")
    for control in (dim, kernel, stride, first, pool, padding):
        control.observe(show, names="value")
    show()
    return w.VBox([w.HBox([dim, padding]), w.HBox([kernel, stride]), w.HBox([first, pool]), out])

# --- end of chapter 2 -------------------------------------------------------------------------------------

# --- Chapter 3: the LSTM ---------------------------------------------------------------------------------


def lstm_gates_widget(trace: dict, units=range(8), step_seconds: float | None = None, t: int = 0):
    """Step through an LSTM's gates over a sequence (eqs. 6-10): a slider over time steps; the figure shows
    i, f, o, g, c, h of a few units at that step (bars) and c, h over the whole sequence with a cursor.
    ``trace``: the output of ``sercnn.book.lstm_reference.lstm_sequence``. Notebook: book/03_lstm.ipynb."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import plots

    units = list(units)
    n_steps = len(plots._one_sequence(trace, "h", units))
    slider = widgets.IntSlider(value=t, min=0, max=n_steps - 1, step=1, description="time step",
                               continuous_update=False, layout=widgets.Layout(width="90%"))
    out = widgets.Output()

    def show(_=None) -> None:
        step = slider.value
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 6.0), layout="constrained")
        plots.plot_lstm_step(trace, step, units, ax=top)
        when = f" ({step * step_seconds:.3f} s)" if step_seconds else ""
        top.set_title(f"time step {step}{when}", loc="left", fontsize="medium")
        plots.plot_lstm_traces(trace, ("c", "h"), units, t=step, step_seconds=step_seconds, ax=bottom)
        _draw_into(out, fig)

    slider.observe(show, names="value")
    show()
    return widgets.VBox([slider, out])


# --- end of chapter 3 -------------------------------------------------------------------------------------

# --- Chapters 4-5: training ------------------------------------------------------------------------------

def live_curves(title: str | None = None):
    """A live training curve: returns ``(widget, on_epoch_end)``. Display the widget, then pass
    ``on_epoch_end`` to :func:`sercnn.experiment.run` (or :func:`sercnn.training.train`); after each epoch
    the loss and accuracy curves so far are redrawn (:func:`sercnn.book.plots.training_curves`).

    Notebook: ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    import ipywidgets as widgets

    from .plots import training_curves

    out = widgets.Output(layout={"min_height": "280px"})
    history: dict[str, list[float]] = {}

    def on_epoch_end(epoch: int, logs: dict) -> None:
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        best = int(max(range(len(history["val_accuracy"])), key=history["val_accuracy"].__getitem__)) + 1
        axes = training_curves(history, best_epoch=best, title=title or f"epoch {epoch}")
        _draw_into(out, axes[0].figure)

    return out, on_epoch_end


# --- end of chapters 4-5 ----------------------------------------------------------------------------------


# --- Chapter 6: hyperparameter search ---------------------------------------------------------------------


def search_explorer(summary: dict, param: str = "learning_rate"):
    """Pick a hyperparameter: every trial of a search (``search.json``) by its validation accuracy against that
    hyperparameter, coloured by optimizer (:func:`sercnn.book.plots.search_by_optimizer`).
    Notebook: ``book/06_hyperopt.ipynb``."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from .plots import search_by_optimizer

    names = [k for k in summary["trials"][0]["params"] if k != "optimizer"] if summary["trials"] else [param]
    box = w.Dropdown(options=names, value=param if param in names else names[0], description="x axis")
    out = w.Output()

    def show(_=None) -> None:
        fig, ax = plt.subplots(figsize=(7.5, 3.8), layout="constrained")
        search_by_optimizer(summary, box.value, ax=ax)
        _draw_into(out, fig)

    box.observe(show, names="value")
    show()
    return w.VBox([box, out])


# --- end of chapter 6 -------------------------------------------------------------------------------------

# --- Chapter 7: results -----------------------------------------------------------------------------------


def fold_explorer(results_dir, protocols: dict, corpus: str = "emodb",
                  models: tuple = ("2d", "svm-compare")):
    """Pick a protocol and one of its folds: the held-out confusion matrices of the networks and the baseline
    on that fold's test speakers, side by side, read from the fold records (``sercnn.book.results``).
    Notebook: ``book/07_results.ipynb``."""
    import ipywidgets as w
    import matplotlib.pyplot as plt

    from . import results
    from .plots import confusion_matrix

    available = sorted({p for c, m, p in protocols if c == corpus and m in models})
    if not available:
        return w.HTML("No protocol records to explore here.")
    protocol_box = w.ToggleButtons(options=available, value=available[-1], description="protocol")
    fold_box = w.Dropdown(description="fold")
    out = w.Output()

    def folds_of(protocol: str) -> list[str]:
        return [f["fold"] for f in protocols[(corpus, models[0], protocol)]["folds"]] \
            if (corpus, models[0], protocol) in protocols else []

    def show(_=None) -> None:
        protocol, fold = protocol_box.value, fold_box.value
        shown = [m for m in models if (corpus, m, protocol) in protocols]
        fig, axes = plt.subplots(1, len(shown), figsize=(5.6 * len(shown), 4.6), layout="constrained", squeeze=False)
        for ax, m in zip(axes[0], shown):
            summary = protocols[(corpus, m, protocol)]
            record = {f["fold"]: r for f, r in zip(summary["folds"], results.fold_records(results_dir, summary))}
            if fold in record:
                test = record[fold]["metrics"]["test"]
                confusion_matrix(test, ax=ax, title=f"{results.MODEL_NAMES.get(m, m)}, fold {fold}: "
                                                    f"{test['accuracy']:.1f} %")
        _draw_into(out, fig)

    def new_protocol(_=None) -> None:
        fold_box.unobserve(show, names="value")
        fold_box.options = folds_of(protocol_box.value)
        fold_box.value = fold_box.options[0] if fold_box.options else None
        fold_box.observe(show, names="value")
        show()

    protocol_box.observe(new_protocol, names="value")
    fold_box.observe(show, names="value")
    new_protocol()
    return w.VBox([protocol_box, fold_box, out])


# --- end of chapter 7 -------------------------------------------------------------------------------------

# --- Chapter 5: try your own voice --------------------------------------------------------------------------

from typing import TYPE_CHECKING, Any, Sequence  # noqa: E402 (this chapter's section only)

if TYPE_CHECKING:
    from ..features import FeatureSettings, SpeakerStandardizer, Standardizer
    from .voice import VoiceModel


def uploaded_file(value: object) -> tuple[str, bytes] | None:
    """The name and bytes of the first file in an ``ipywidgets.FileUpload`` value, or None when it holds none.

    ipywidgets 8: a tuple of dicts with ``name`` and ``content`` (a memoryview); ipywidgets 7: a dict from the
    file name to ``{"metadata": {...}, "content": bytes}``. Another value raises ``ValueError``.
    Notebook: ``book/05_2d_cnn_lstm.ipynb``."""
    if not value:
        return None
    if isinstance(value, dict):  # ipywidgets 7
        name, entry = next(iter(value.items()))
        if not isinstance(entry, dict) or "content" not in entry:
            raise ValueError(f"an upload entry without content: {type(entry).__name__}")
        return str(entry.get("metadata", {}).get("name") or name), bytes(entry["content"])
    if isinstance(value, (tuple, list)):  # ipywidgets 8
        entry = value[0]
        if not isinstance(entry, dict) or "content" not in entry:
            raise ValueError(f"an upload entry without content: {type(entry).__name__}")
        return str(entry.get("name") or "the recording"), bytes(entry["content"])
    raise ValueError(f"not a FileUpload value: {type(value).__name__}")


#: What the widget says where it has no model.
NO_MODEL = ("No model yet: run this chapter's training cell (a quick run), or name the directory of a 2D run "
            "(one that holds record.json and model.keras, e.g. from `python -m sercnn train --model 2d`).")


def own_voice_result(upload_value: object, model: Any, scaler: Standardizer | SpeakerStandardizer | dict | None,
                     settings: FeatureSettings | None, classes: Sequence[str], *,
                     patch: tuple[int, int] | None = (16, 8), source: str = "a trained model") -> dict | str:
    """The widget's work on one upload, without the widget: :func:`sercnn.book.voice.analyse` of the uploaded file
    (either ipywidgets format) with this model, its run's standardiser, settings and class names; on bad input,
    or without an upload or a model, a message for the reader instead (a ``str``).
    Notebook: ``book/05_2d_cnn_lstm.ipynb``."""
    from ..errors import SercnnError
    from .voice import VoiceModel, analyse

    try:
        file = uploaded_file(upload_value)
    except (ValueError, TypeError, StopIteration, IndexError) as exc:
        return f"The upload cannot be read ({exc}): upload the file again."
    if file is None:
        return "Upload a recording (WAV, FLAC, OGG or MP3) to see what the network makes of it."
    if model is None:
        return NO_MODEL
    name, data = file
    try:
        return analyse(data, name, VoiceModel(model, scaler, settings, list(classes), source), patch=patch)
    except SercnnError as exc:
        return str(exc)


def own_voice_model(run_dir: str) -> VoiceModel | str:
    """The model of a run directory for the widget (:func:`sercnn.book.voice.load_run`), or a message saying why
    it cannot be used (a ``str``). Notebook: ``book/05_2d_cnn_lstm.ipynb``."""
    from ..errors import SercnnError
    from .voice import load_run

    try:
        return load_run(run_dir)
    except SercnnError as exc:
        return str(exc)


def _voice_message(result: dict | str) -> str:
    """HTML for the widget's message line: the error, or the prediction with every note."""
    import html

    if isinstance(result, str):
        return f"<b style='color:#b2182b'>{html.escape(result)}</b>"
    top = f"{result['predicted']} ({100 * result['probabilities'][result['predicted_index']]:.0f} %)"
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result["notes"])
    return (f"<b>{html.escape(result['name'])}</b>: predicted <b>{html.escape(top)}</b> by "
            f"{html.escape(result['source'])}<ul>{notes}</ul>")


def own_voice(voice: VoiceModel | None = None, *, run_dir: str = "", patch: tuple[int, int] = (16, 8)):
    """Try your own voice: upload a recording (WAV, FLAC, OGG or MP3) and see its log-mel spectrogram, the 2D
    network's probability of each emotion and the regions that drove its decision (occlusion sensitivity,
    :func:`sercnn.book.plots.plot_voice`). ``voice``: the chapter's model (a :class:`sercnn.book.voice.VoiceModel`);
    a run directory typed in the text box replaces it (empty: back to ``voice``). Bad input shows a message,
    never an error. The work is :func:`own_voice_result`, which tests call directly.
    Notebook: ``book/05_2d_cnn_lstm.ipynb``."""
    import ipywidgets as w

    from .plots import plot_voice

    upload = w.FileUpload(accept=".wav,.flac,.ogg,.mp3,audio/*", multiple=False, description="recording")
    run_box = w.Text(value=run_dir, placeholder="a 2D run directory (empty: the chapter's model)",
                     description="model", layout=w.Layout(width="60%"))
    button = w.Button(description="analyse", icon="search", button_style="primary")
    message = w.HTML()
    out = w.Output()
    state = {"voice": voice, "dir": ""}

    def current_model():
        wanted = run_box.value.strip()
        if wanted != state["dir"]:
            loaded = own_voice_model(wanted) if wanted else voice
            if isinstance(loaded, str):
                return loaded
            state["voice"], state["dir"] = loaded, wanted
        return state["voice"] if state["voice"] is not None else NO_MODEL

    def analyse(_=None) -> None:
        message.value = "<i>analysing ...</i>"
        try:
            chosen = current_model()
            result = chosen if isinstance(chosen, str) else own_voice_result(
                upload.value, chosen.model, chosen.scaler, chosen.settings, chosen.classes, patch=patch,
                source=chosen.source)
            if isinstance(result, dict):
                _draw_into(out, plot_voice(result)[0].figure)
            else:
                out.clear_output()
        except Exception as exc:  # a bug must not leave the widget dead: say what happened
            result = f"unexpected error ({type(exc).__name__}: {exc})"
            out.clear_output()
        message.value = _voice_message(result)

    upload.observe(analyse, names="value")
    button.on_click(analyse)
    import html

    model_line = html.escape(f"Model: {voice.source}." if voice is not None else NO_MODEL)
    message.value = f"Upload a recording (WAV, FLAC, OGG or MP3), then it is analysed at once.<br>{model_line}"
    return w.VBox([w.HBox([upload, button]), run_box, message, out])


# --- end of chapter 5 -------------------------------------------------------------------------------------
