"""How long ``python -m sercnn --help`` and each subcommand's ``--help`` take, in fresh processes, and whether
any TensorFlow/absl log line appears (issue 13, part 4: under 1 s, none).

    python bench/cli_help.py [--repeat 5]

Prints the machine, then per command the median wall time of ``--repeat`` runs (and the slowest), and says
whether TensorFlow's start-up lines were printed. A benchmark, not a test: times depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

COMMANDS = ([], ["train"], ["protocol"], ["search"], ["evaluate"], ["compare"], ["summary"], ["handout"])
#: TensorFlow's and absl's start-up log lines ("I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers",
#: "WARNING: All log messages before absl::InitializeLog() ...", "This TensorFlow binary is optimized ...");
#: tests/test_progress.py uses it too.
TF_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d|absl::|\.cc:\d+\]|This TensorFlow binary|oneDNN custom operations",
                     re.MULTILINE)


def machine() -> str:
    """The platform, Python and CPU this ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.platform()}, Python {platform.python_version()}, {cpu}, {os.cpu_count()} cores"


def time_help(args: list[str], repeat: int) -> tuple[list[float], bool]:
    """Wall times of ``repeat`` runs of ``python -m sercnn ARGS --help``, and whether a TensorFlow line appeared."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a user's shell
    times, tf_lines = [], False
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "sercnn", *args, "--help"], capture_output=True, text=True,
                              env=env)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"python -m sercnn {' '.join(args)} --help failed:\n{done.stderr}")
        tf_lines |= bool(TF_LINE.search(done.stdout + done.stderr))
    return times, tf_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default: %(default)s)")
    repeat = parser.parse_args().repeat
    print(f"machine: {machine()}")
    print(f"{'command':<36} {'median s':>9} {'max s':>7}  TensorFlow lines")
    for args in COMMANDS:
        times, tf_lines = time_help(args, repeat)
        name = " ".join(["python -m sercnn", *args, "--help"])
        print(f"{name:<36} {statistics.median(times):9.3f} {max(times):7.3f}  {'yes' if tf_lines else 'none'}")


if __name__ == "__main__":
    main()
