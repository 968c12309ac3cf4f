"""Validate and score raw input rows, in this process or spread over processes.

Scoring is the CPU-heavy step, so a replay validates and scores chunks of raw
lines in a process pool (one scorer per process, built once) and only the
sequential, cheap detection runs in the main process — the same split the
streaming pipeline makes between its score loop and detect agent.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator
from typing import Any

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import Observation
from detectors.engine import is_own_post, score_mentions, to_observation
from detectors.errors import InvalidMention
from detectors.events import Mention
from detectors.sentiment.scorer import Scorer, get_scorer
from streams.sources.files import validate

Prepared = tuple[Observation, bool]  # observation, written by the brand itself
Failure = tuple[int, InvalidMention]
CHUNK = 1000
PRELOAD = ["detectors.engine", "detectors.sentiment.scorer", "vaderSentiment.vaderSentiment", "numpy",
           "py3langid.langid", "streams.replay.prepare"]

_BOOK: BrandBook | None = None
_SCORER: Scorer | None = None


def _init(config_path: str | None) -> None:
    global _BOOK, _SCORER
    _BOOK = BrandBook.load(config_path) if config_path else BrandBook()
    _SCORER = get_scorer()
    # a scoring process makes no reference cycles; the cyclic collector would only
    # rescan the scorer's caches over and over (the process ends with the replay)
    gc.disable()


def prepare_chunk(
    rows: list[tuple[int, Any]], book: BrandBook | None = None, scorer: Scorer | None = None
) -> tuple[list[Prepared], list[Failure]]:
    """Validate and score one chunk of ``(line, raw)`` rows.

    Args:
        rows: raw JSON lines (bytes), mapped CSV rows (dict) or reader errors.
        book: brand configuration (the worker's own when ``None``).
        scorer: scorer (the worker's own when ``None``).
    """
    book = book or _BOOK or BrandBook()
    scorer = scorer or _SCORER or get_scorer()
    bad: list[Failure] = []
    valid: list[tuple[Mention, BrandConfig]] = []
    for number, raw in rows:
        try:
            m = validate(raw)
        except InvalidMention as exc:
            bad.append((number, exc))
            continue
        valid.append((m, book.get(m.brand)))
    scores = score_mentions(valid, scorer)
    good = [(to_observation(m, cfg, scorer, score), is_own_post(m, cfg))
            for (m, cfg), score in zip(valid, scores, strict=True)]
    return good, bad


def _chunks(rows: Iterable[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_jobs() -> int:
    """Processes to use: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def prepare_chunks(
    rows: Iterable[tuple[int, Any]],
    *,
    config_path: str | None,
    book: BrandBook,
    jobs: int,
) -> Iterator[tuple[int, list[Prepared], list[Failure]]]:
    """Validate and score every row; yields ``(rows, prepared, failures)`` per chunk, in order.

    Args:
        rows: ``(line, raw)`` pairs from :func:`streams.sources.files.read_raw`.
        config_path: brand configuration file, loaded once per worker process.
        book: the same configuration, for the in-process path.
        jobs: worker processes (1 = in this process).
    """
    if jobs <= 1:
        scorer = get_scorer()
        for chunk in _chunks(rows, CHUNK):
            good, bad = prepare_chunk(chunk, book, scorer)
            yield len(chunk), good, bad
        return
    # forkserver: workers start from a clean process, never a fork of a threaded one
    ctx = mp.get_context("forkserver" if hasattr(os, "fork") else "spawn")
    if isinstance(ctx, mp.context.ForkServerContext):
        # imported once in the fork server, not once per worker
        ctx.set_forkserver_preload(PRELOAD)
    with ctx.Pool(jobs, initializer=_init, initargs=(config_path,)) as pool:
        sizes: list[int] = []

        def sized() -> Iterator[list[tuple[int, Any]]]:
            for chunk in _chunks(rows, CHUNK):
                sizes.append(len(chunk))
                yield chunk

        for i, (good, bad) in enumerate(pool.imap(prepare_chunk, sized(), chunksize=1)):
            yield sizes[i], good, bad
