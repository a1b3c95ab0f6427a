"""Native libraries whose load order matters.

openSMILE (the ``opensmile`` package, :mod:`sercnn.baselines`) crashes the interpreter with a segmentation
fault in ``Smile.process_signal`` when TensorFlow's shared libraries were loaded into the process before
openSMILE's own ``libSMILEapi`` (measured here: TensorFlow 2.21, opensmile 2.6, Linux x86-64; loading the
library first, even without importing the package, avoids it). ``import sercnn`` therefore loads that one
library (a few milliseconds; the ``opensmile`` package itself, with pandas, takes 1-2 s and stays lazy), and
:func:`check_opensmile_order` turns the crash into an error that says what to do when TensorFlow came first.
"""

from __future__ import annotations

import ctypes
import glob
import importlib.util
import os
import sys

#: Whether TensorFlow was already loaded, and openSMILE not, when ``sercnn`` loaded openSMILE's library (then the
#: preload comes too late and :func:`check_opensmile_order` refuses to run openSMILE).
TENSORFLOW_FIRST: bool | None = None


def opensmile_library() -> str | None:
    """The path of the installed ``opensmile`` package's native library, or None without the package."""
    try:
        spec = importlib.util.find_spec("opensmile")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    names = ("libSMILEapi.so", "libSMILEapi.dylib", "SMILEapi.dll")
    for root in spec.submodule_search_locations:
        for name in names:
            found = glob.glob(os.path.join(root, "core", "bin", "*", name))
            if found:
                return found[0]
    return None


def preload_opensmile() -> bool:
    """Load openSMILE's native library now, before anything imports TensorFlow. True if it was loaded."""
    global TENSORFLOW_FIRST
    path = opensmile_library()
    if path is None:
        return False
    if TENSORFLOW_FIRST is None:
        TENSORFLOW_FIRST = "tensorflow" in sys.modules and "opensmile" not in sys.modules
    try:
        ctypes.CDLL(path)
    except OSError:  # a broken installation: opensmile's own import will say so
        return False
    return True


def check_opensmile_order() -> None:
    """Raise a clear error, instead of the segmentation fault, when TensorFlow was loaded before openSMILE."""
    if TENSORFLOW_FIRST:
        raise RuntimeError(
            "openSMILE crashes (segmentation fault) in a process that loaded TensorFlow before it, and this "
            "process imported tensorflow/keras before sercnn. Import sercnn (or opensmile) before keras or "
            "tensorflow, or run the baseline from the command line: python -m sercnn train --model svm-compare ..."
        )
