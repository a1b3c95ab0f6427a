"""The paper's own numbers, each cited by table and cell: the only place they are typed in.

Zhao, Mao & Chen (2019), Biomedical Signal Processing and Control 47, 312-323, section 4.3.
"""

from __future__ import annotations

#: Tables 1 (section 3.2) and 2 (section 3.3), "Output Dim" column, as the paper prints it, keyed by the
#: network's dimension (1, 2) and layer: (the divisors of each spatial axis, kernels). Table 1: L/4^k x kernels;
#: Table 2: M/d x N/d x kernels. Quoted, not computed (``sercnn.geometry.paper_table`` sets them beside Keras).
PAPER_OUTPUT_DIMS = {
    1: {
        "1LFLB1_conv": ((1,), 64), "1LFLB1_pool": ((4,), 64),
        "1LFLB2_conv": ((4,), 64), "1LFLB2_pool": ((16,), 64),
        "1LFLB3_conv": ((16,), 128), "1LFLB3_pool": ((64,), 128),
        "1LFLB4_conv": ((64,), 128), "1LFLB4_pool": ((256,), 128),
    },
    2: {
        "2LFLB1_conv": ((1, 1), 64), "2LFLB1_pool": ((2, 2), 64),
        "2LFLB2_conv": ((2, 2), 64), "2LFLB2_pool": ((8, 8), 64),
        "2LFLB3_conv": ((8, 8), 128), "2LFLB3_pool": ((32, 32), 128),
        "2LFLB4_conv": ((32, 32), 128), "2LFLB4_pool": ((128, 128), 128),
    },
}

#: Section 3.5: IEMOCAP's prototypical improvised utterances per emotion ("Angry: 71, Excited: 178, ...", 1150 in
#: all), of which the paper keeps the first six (``sercnn.datasets.iemocap.CLASSES``).
IEMOCAP_COUNTS = {
    "angry": 71,
    "excited": 178,
    "frustrated": 271,
    "happy": 31,
    "neutral": 328,
    "sad": 265,
    "surprised": 6,
}

#: Table 7(a), "average accuracy" (%), keyed by (corpus, protocol, network).
TABLE_7A = {
    ("emodb", "speaker-dependent", "1d"): 92.34,
    ("emodb", "speaker-dependent", "2d"): 95.33,
    ("iemocap", "speaker-dependent", "1d"): 67.92,
    ("iemocap", "speaker-dependent", "2d"): 89.16,
    ("emodb", "speaker-independent", "1d"): 86.73,
    ("emodb", "speaker-independent", "2d"): 95.89,
    ("iemocap", "speaker-independent", "1d"): 79.72,
    ("iemocap", "speaker-independent", "2d"): 85.58,
}

#: Table 7(b), "validation accuracy" (%), keyed as Table 7(a): accuracy on the data held out from training,
#: which in the paper also chose the model (its best epoch), so it compares with this package's ``paper``
#: selection mode; the ``held-out`` mode's test figure is the stricter estimate.
TABLE_7B = {
    ("emodb", "speaker-dependent", "1d"): 61.68,
    ("emodb", "speaker-dependent", "2d"): 76.64,
    ("iemocap", "speaker-dependent", "1d"): 46.12,
    ("iemocap", "speaker-dependent", "2d"): 62.07,
    ("emodb", "speaker-independent", "1d"): 57.14,
    ("emodb", "speaker-independent", "2d"): 82.42,
    ("iemocap", "speaker-independent", "1d"): 45.52,
    ("iemocap", "speaker-independent", "2d"): 52.14,
}


#: Class order of the paper's confusion matrices (Tables 3-6), which is the manifests' order too.
CLASSES = {
    "emodb": ["anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness"],
    "iemocap": ["angry", "excited", "frustrated", "happy", "neutral", "sad"],
}

#: Table 3: EmoDB, speaker-dependent; rows true class, columns predicted, percent,
#: with the table's "average accuracy" (1d: audio clips, 2d: log-mel spectrograms).
TABLE_3 = {
    "1d": {"average": 92.34, "confusion_pct": [
        [95.28, 0.0, 0.0, 0.79, 3.15, 0.0, 0.79],
        [0.0, 87.65, 0.0, 1.23, 1.23, 9.88, 0.0],
        [4.35, 4.35, 82.61, 4.35, 2.17, 2.17, 0.0],
        [1.45, 0.0, 1.45, 92.75, 2.9, 1.45, 0.0],
        [8.45, 0.0, 4.23, 0.0, 87.32, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 100.0, 0.0],
        [0.0, 1.61, 1.61, 0.0, 0.0, 1.61, 95.16],
    ]},
    "2d": {"average": 95.33, "confusion_pct": [
        [99.21, 0.0, 0.0, 0.0, 0.79, 0.0, 0.0],
        [0.0, 95.06, 0.0, 0.0, 0.0, 3.7, 1.23],
        [2.17, 2.17, 95.65, 0.0, 0.0, 0.0, 0.0],
        [1.45, 0.0, 1.45, 92.75, 1.45, 2.9, 0.0],
        [5.63, 0.0, 2.82, 0.0, 88.73, 2.82, 0.0],
        [0.0, 5.06, 0.0, 0.0, 0.0, 93.67, 1.27],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0],
    ]},
}
#: Table 4: IEMOCAP, speaker-dependent; rows true class, columns predicted, percent,
#: with the table's "average accuracy" (1d: audio clips, 2d: log-mel spectrograms).
TABLE_4 = {
    "1d": {"average": 67.92, "confusion_pct": [
        [40.85, 40.85, 4.23, 1.41, 12.68, 0.0],
        [0.56, 84.83, 2.25, 0.0, 10.11, 2.25],
        [0.74, 22.88, 46.86, 0.0, 23.99, 5.54],
        [0.0, 29.03, 9.68, 25.81, 29.03, 6.45],
        [0.3, 12.2, 0.61, 0.0, 70.12, 16.77],
        [0.0, 1.51, 0.38, 0.0, 10.57, 87.55],
    ]},
    "2d": {"average": 89.16, "confusion_pct": [
        [90.14, 5.63, 2.82, 0.0, 1.41, 0.0],
        [2.25, 89.89, 2.25, 0.0, 5.06, 0.56],
        [3.32, 5.17, 83.03, 0.0, 7.75, 0.74],
        [3.23, 25.81, 0.0, 51.61, 16.13, 3.23],
        [0.0, 4.27, 3.05, 0.0, 90.24, 2.44],
        [0.0, 0.0, 0.75, 0.0, 1.51, 97.74],
    ]},
}
#: Table 5: EmoDB, speaker-independent; rows true class, columns predicted, percent,
#: with the table's "average accuracy" (1d: audio clips, 2d: log-mel spectrograms).
TABLE_5 = {
    "1d": {"average": 86.73, "confusion_pct": [
        [92.91, 0.0, 0.0, 3.94, 3.15, 0.0, 0.0],
        [0.0, 98.77, 1.23, 0.0, 0.0, 0.0, 0.0],
        [8.7, 0.0, 76.09, 10.87, 2.17, 0.0, 2.17],
        [1.45, 0.0, 1.45, 94.2, 0.0, 2.9, 0.0],
        [19.72, 0.0, 1.41, 8.45, 69.01, 1.41, 0.0],
        [0.0, 15.19, 0.0, 3.8, 1.27, 78.48, 1.27],
        [0.0, 9.68, 0.0, 0.0, 0.0, 1.61, 88.71],
    ]},
    "2d": {"average": 95.89, "confusion_pct": [
        [100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 97.53, 0.0, 0.0, 0.0, 2.47, 0.0],
        [6.52, 0.0, 86.96, 4.35, 2.17, 0.0, 0.0],
        [2.9, 0.0, 0.0, 97.1, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 8.45, 91.55, 0.0, 0.0],
        [0.0, 1.27, 0.0, 5.06, 0.0, 93.67, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.61, 98.39],
    ]},
}
#: Table 6: IEMOCAP, speaker-independent; rows true class, columns predicted, percent,
#: with the table's "average accuracy" (1d: audio clips, 2d: log-mel spectrograms).
TABLE_6 = {
    "1d": {"average": 79.72, "confusion_pct": [
        [90.14, 2.82, 1.41, 2.82, 2.82, 0.0],
        [1.69, 83.71, 3.37, 0.0, 9.55, 1.69],
        [1.11, 6.27, 78.6, 0.74, 9.23, 4.06],
        [3.23, 9.68, 12.9, 25.81, 41.94, 6.45],
        [0.3, 6.1, 4.57, 0.3, 68.29, 20.43],
        [0.0, 0.0, 1.13, 0.0, 3.02, 95.85],
    ]},
    "2d": {"average": 85.58, "confusion_pct": [
        [84.51, 15.49, 0.0, 0.0, 0.0, 0.0],
        [1.12, 88.2, 3.93, 0.0, 6.74, 0.0],
        [1.85, 6.27, 75.65, 0.0, 15.5, 0.74],
        [3.23, 19.35, 16.13, 16.13, 41.94, 3.23],
        [0.61, 5.18, 3.35, 0.0, 89.94, 0.91],
        [0.0, 0.38, 0.75, 0.0, 1.89, 96.98],
    ]},
}

#: The confusion-matrix table for (corpus, protocol).
CONFUSION_TABLES = {
    ("emodb", "speaker-dependent"): (3, TABLE_3),
    ("iemocap", "speaker-dependent"): (4, TABLE_4),
    ("emodb", "speaker-independent"): (5, TABLE_5),
    ("iemocap", "speaker-independent"): (6, TABLE_6),
}

#: Table 8: average accuracy (%) of other work on EmoDB, as the paper quotes it ("/" or "-": not reported,
#: None here): (research work, speaker-dependent, speaker-independent).
TABLE_8 = [
    ("Wu et al. [10]", 91.6, 85.8),
    ("Zhengwei Huang et al. [12]", 88.3, 85.2),
    ("Huang, Yongming, et al. [13]", 75.5, None),
    ("Semiye Demircan et al. [14]", None, 92.9),
    ("Zhao, Mao & Chen (2D CNN LSTM)", 95.33, 95.89),
]

#: Table 9: the same on IEMOCAP (speaker-dependent accuracy, speaker-independent test accuracy).
TABLE_9 = [
    ("W. Q. Zheng et al. [21]", None, 40.02),
    ("Yelin Kim et al. [53]", 73.78, None),
    ("Zhao, Mao & Chen (2D CNN LSTM)", 89.16, 52.14),
]


def confusion_reference(corpus: str, protocol: str, network: str) -> tuple[int, dict] | None:
    """``(table number, {"average", "confusion_pct"})`` of the paper's confusion matrix for a corpus, protocol
    and network (Tables 3-6), or None (the paper has no LOSO table)."""
    entry = CONFUSION_TABLES.get((corpus, protocol))
    return None if entry is None else (entry[0], entry[1][network])


def reference(corpus: str, protocol: str, network: str) -> dict:
    """The paper's Table 7 figures for a run's corpus, protocol and network (None where there are none)."""
    key = (corpus, protocol, network)
    return {"table_7a_average": TABLE_7A.get(key), "table_7b_validation": TABLE_7B.get(key)}


#: What the paper says about each setting this package has to choose, quoted word for word with its section, or
#: None where the paper does not say (``sercnn.book.departures`` sets each beside this package's choice).
SAYS = {
    "window": ("3.5", "The length of the raw audio clips used is 8 s long. If the audio clip is longer than 8 s, "
                      "it will be segmented to 8 s long. Otherwise, it is padded to 8 s long."),
    "padding side": ("3.5", "Otherwise, it is padded to 8 s long."),
    "precision": None,
    "l2": ("5.2", "regularization implemented by applying penalties on layer parameters and layer activity during "
                  "optimization"),
    "bn momentum": ("3.1.1", "the BN layer, which normalizes the activations of the previous layer at each batch"),
    "patience": ("4.1", "validation accuracy is monitored in our experiments, patience is set to eight"),
    "patience start": None,
    "max epochs": None,
    "optimizer": ("3.4", "the distribution over the choice ('adagrad', 'adam', 'sgd', 'rmsprop') is chosen"),
    "hyperparameters": ("3.4", "Hyperopt, a Python library, is used to optimize the hyperparameters in our "
                               "experiments"),
    "learning rate": None,
    "batch size": None,
    "selection": ("4.1", "When validation accuracy reaches its maximum during the training of the 1D and 2D CNN "
                         "LSTM networks, the best predictive model will be there."),
    "validation set": ("4.1", "the training set took 80% of the data, and the testing set took the remaining 20% "
                              "of the data"),
    "test pairs": ("4.2", "the data of eight subjects are chosen as the training set, the data of other two "
                          "subjects are chosen as the testing set"),
}
