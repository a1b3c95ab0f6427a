"""Errors and warnings raised on bad input. Every message names the file and the problem."""

from __future__ import annotations


class SercnnError(Exception):
    """Base class of every error this package raises on purpose."""


class DatasetNotFoundError(SercnnError, FileNotFoundError):
    """A corpus is not where it was looked for and could not be fetched."""


class CorruptArchiveError(SercnnError):
    """A downloaded archive is truncated, damaged, incomplete or hostile (paths escaping the target)."""


class AudioFileError(SercnnError):
    """An audio file cannot be used: unreadable, empty, all-silent or holding non-finite samples."""

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class UnknownLabelError(SercnnError, ValueError):
    """A label that is not one of the corpus' classes."""


class FeatureExtractionError(SercnnError):
    """Some files of a batch could not be turned into features; the others were extracted and cached."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        lines = "\n".join(f"  {path}: {problem}" for path, problem in failures)
        super().__init__(f"{len(failures)} file(s) could not be read:\n{lines}")


class RecordError(SercnnError, ValueError):
    """A run record that does not fit the record schema (``sercnn/record.schema.json``): the message names the
    file (where there is one) and each faulty field."""


class AudioFormatWarning(UserWarning):
    """Audio that can still be used after a conversion (resampled, downmixed, cut)."""


class SkippedFilesWarning(UserWarning):
    """A corpus folder held files that were left out of the manifest (listed in ``df.attrs['skipped']``)."""


class IncompleteCorpusWarning(UserWarning):
    """A corpus folder lacks some of the files the corpus is known to have (listed in ``df.attrs``)."""
