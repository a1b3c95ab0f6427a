"""The book side: what the chapters show and ask, reading run records and never writing them.

Notebook helpers (:mod:`~sercnn.book.notebook`), every figure (:mod:`~sercnn.book.plots`), the chapters'
widgets (:mod:`~sercnn.book.widgets`), the exercises' checks (:mod:`~sercnn.book.exercises`), the student
handouts (:mod:`~sercnn.book.handout`), the NumPy references of the paper's eqs 1-5 and 6-10
(:mod:`~sercnn.book.lflb_reference`, :mod:`~sercnn.book.lstm_reference`), Tables 3-9 regenerated from the
records (:mod:`~sercnn.book.results`), the list of this book's departures from the paper
(:mod:`~sercnn.book.departures`) and scoring a reader's own recording (:mod:`~sercnn.book.voice`).

Two floors (``design.md``): the pipeline (every other module of :mod:`sercnn`) turns audio into run records
and never imports this subpackage; the book side imports the pipeline, never the other way round
(``tests/test_floors.py``). :mod:`sercnn.paper`, the paper's own numbers, stays on the ground floor because
both floors read it. The one module above both floors is the command line (:mod:`sercnn.cli`), whose
``handout`` subcommand calls :mod:`sercnn.book.handout`.
"""
