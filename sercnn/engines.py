"""Where independent jobs (protocol folds, search trials) run: this process and its cores, or a Ray cluster.

- ``local`` (default): one job at a time in this process, or ``parallel`` worker processes (joblib's loky).
  TensorFlow already spreads one training over every core, so on a small machine one training at a time is the
  fastest; worker processes pay off on machines with many cores. A baseline's fit uses one core, so its folds run
  one per core (:func:`default_parallel`).
- ``ray``: each job is a Ray task on the cluster at ``address`` (``None``: a new local one; ``"auto"``: the
  one ``ray start`` runs on this machine). Ray is an optional extra: ``pip install "sercnn[distributed]"``.

Notebooks: ``book/06_hyperopt.ipynb`` (search trials), ``book/07_results.ipynb`` (protocol folds).
"""

from __future__ import annotations

import os
from typing import Any, Callable, Literal, Sequence

Engine = Literal["local", "ray"]
ENGINES = ("local", "ray")


#: Cores one training takes (TensorFlow spreads it over several): :func:`default_parallel`'s default.
CORES_PER_TRAINING = 4


def default_parallel(n_jobs: int, cores_per_job: int = CORES_PER_TRAINING) -> int:
    """Worker processes for ``n_jobs`` local jobs: one per ``cores_per_job`` cores, at least one, at most
    ``n_jobs``. A training spreads over several cores (4: one worker on this project's 2-core machines); a
    baseline's linear SVM fits on one (1: a worker per core)."""
    return max(1, min(n_jobs, (os.cpu_count() or 1) // cores_per_job))


def forwarded_environment() -> dict[str, str]:
    """The environment variables a Ray worker needs to see what this process sees: where the data and the
    feature cache are, and which Keras backend to start."""
    keep = ("SERCNN_", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "XLA_FLAGS", "CUDA_VISIBLE_DEVICES")
    return {k: v for k, v in os.environ.items() if k.startswith(keep)}


def require_ray():
    """Import Ray, or say how to install it."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the ray engine needs Ray: pip install \"sercnn[distributed]\" (or pip install \"ray[tune]\")"
        ) from exc
    return ray


def init_ray(address: str | None = None):
    """Connect to (or start) a Ray cluster, forwarding :func:`forwarded_environment` to its workers."""
    ray = require_ray()
    if not ray.is_initialized():
        ray.init(address=address, runtime_env={"env_vars": forwarded_environment()},
                 log_to_driver=False, include_dashboard=False)
    return ray


def run_jobs(
    fn: Callable[..., Any],
    jobs: Sequence[tuple],
    *,
    engine: Engine = "local",
    address: str | None = None,
    parallel: int | None = None,
    cpus_per_job: float = 1,
    on_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(*job) for job in jobs]``, run by ``engine``; results in the order of ``jobs``.

    ``fn`` must be importable by name (a module-level function), so that worker processes and Ray workers
    can call it. ``on_done(i, result)`` is called in this process as each job finishes (in the order they
    finish), e.g. to show progress.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    results: list[Any] = [None] * len(jobs)
    for i, result in _finished(fn, jobs, engine, address, parallel, cpus_per_job):
        results[i] = result
        if on_done is not None:
            on_done(i, result)
    return results


def _finished(fn, jobs, engine, address, parallel, cpus_per_job):
    """``(index, result)`` of each job as it finishes."""
    if engine == "ray":
        ray = init_ray(address)
        task = ray.remote(num_cpus=cpus_per_job)(fn)
        index = {task.remote(*job): i for i, job in enumerate(jobs)}
        pending = list(index)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield index[ready[0]], ray.get(ready[0])
        return
    n = parallel or default_parallel(len(jobs))
    if n <= 1:
        for i, job in enumerate(jobs):
            yield i, fn(*job)
        return
    from joblib import Parallel, delayed

    yield from Parallel(n_jobs=n, backend="loky", return_as="generator_unordered")(
        delayed(_indexed)(i, fn, job) for i, job in enumerate(jobs)
    )


def _indexed(i: int, fn: Callable[..., Any], job: tuple) -> tuple[int, Any]:
    return i, fn(*job)
