"""sercnn: the models and pipeline of Zhao, Mao & Chen (2019), *Speech emotion recognition using deep
1D & 2D CNN LSTM networks*, Biomedical Signal Processing and Control 47, 312-323.

One module per step of the pipeline (see ``design.md``)::

    datasets -> features -> splits -> models -> training -> evaluation -> records (run records, JSON)

Keras is imported lazily by the modules that need it, so that ``sercnn.datasets`` and
``sercnn.features`` work without a deep-learning backend.
"""

__version__ = "0.3.3"

from ._native import preload_opensmile

preload_opensmile()  # before any TensorFlow: see sercnn._native
