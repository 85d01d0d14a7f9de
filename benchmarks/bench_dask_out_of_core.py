"""Out-of-core exact tuning with f1tune.dask: scores larger than memory, memory-mapped `.npy` chunks.

Writes ``--rows`` x ``--labels`` float32 scores and uint8 labels once, as one pair of ``.npy``
files per chunk of ``--chunk-rows`` rows, into ``--dir`` (default /tmp/f1tune_ooc; never the
repository). Each chunk is read lazily through ``np.load(mmap_mode="r")`` wrapped by
``dask.array.from_delayed``; the local threaded scheduler runs the two passes with a progress bar.

Reports, as nanoseconds per row and as ratios:
- out-of-core: f1tune.dask.tune_thresholds on all rows (read from disk, twice);
- in memory, the first ``--in-memory-rows`` rows loaded into RAM: f1tune.tune_thresholds (the
  one-shot numpy engine) and f1tune.dask.tune_thresholds on the same arrays (checked equal);
and the peak memory of this process and any children (resident, and resident minus file-backed
pages: a memory map's pages are page cache, dropped under pressure).

Small first: ``python benchmarks/bench_dask_out_of_core.py --rows 2000000 --in-memory-rows 1000000``.
"""

from __future__ import annotations

import argparse
import shutil
import threading
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import psutil
from dask.diagnostics import ProgressBar

import f1tune.dask as f1dask
from f1tune.thresholds import tune_thresholds


class PeakMemory:
    """Sample resident memory of this process and its children every 50 ms; keep the peaks."""

    def __init__(self) -> None:
        self.rss = 0
        self.anon = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        rss = anon = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                m = p.memory_info()
            except psutil.Error:
                continue
            rss += m.rss
            anon += m.rss - m.shared  # Linux: shared = file-backed (memory maps) + shmem
        self.rss, self.anon = max(self.rss, rss), max(self.anon, anon)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def write_chunks(directory: Path, rows: int, labels: int, chunk_rows: int, seed: int = 0) -> list[int]:
    """Write (or reuse) the chunk files; return the row count of each chunk."""
    directory.mkdir(parents=True, exist_ok=True)
    sizes = [min(chunk_rows, rows - start) for start in range(0, rows, chunk_rows)]
    prevalence = np.linspace(0.02, 0.5, labels, dtype=np.float32)
    t0 = time.perf_counter()
    for i, n in enumerate(sizes):
        y_path, s_path = directory / f"y_{i:05d}.npy", directory / f"s_{i:05d}.npy"
        if y_path.exists() and s_path.exists() and np.load(s_path, mmap_mode="r").shape == (n, labels):
            continue
        rng = np.random.default_rng([seed, i])
        u = rng.random((n, labels), dtype=np.float32)
        y = (u < prevalence).astype(np.uint8)
        s = rng.random((n, labels), dtype=np.float32)
        s *= 0.7
        s += 0.3 * y  # positives score higher on average; both classes overlap
        np.save(y_path, y)
        np.save(s_path, s)
        del u, y, s
        if i % 10 == 9 or i == len(sizes) - 1:
            print(f"  wrote {i + 1}/{len(sizes)} chunks ({time.perf_counter() - t0:.0f} s)", flush=True)
    return sizes


def lazy_arrays(directory: Path, sizes: list[int], labels: int) -> tuple[da.Array, da.Array]:
    """Dask arrays whose chunks are the memory-mapped files (nothing is read here)."""

    def column(prefix: str, dtype: type) -> da.Array:
        parts = [
            da.from_delayed(
                dask.delayed(np.load, pure=True)(str(directory / f"{prefix}_{i:05d}.npy"), mmap_mode="r"),
                shape=(n, labels),
                dtype=dtype,
            )
            for i, n in enumerate(sizes)
        ]
        return da.concatenate(parts, axis=0)

    return column("y", np.uint8), column("s", np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=80_000_000)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--in-memory-rows", type=int, default=10_000_000, help="0 skips the in-memory figures")
    parser.add_argument("--average", default="micro")
    parser.add_argument("--workers", type=int, default=2, help="threads of the dask scheduler")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/f1tune_ooc"))
    parser.add_argument("--keep", action="store_true", help="keep the chunk files (default: delete them)")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    if args.dir.resolve().is_relative_to(repo):
        raise SystemExit(f"--dir: expected a path outside the repository, got {args.dir}")

    L = args.labels
    gib = args.rows * L * 5 / 2**30
    free = shutil.disk_usage(args.dir.parent if not args.dir.exists() else args.dir).free / 2**30
    total_ram = psutil.virtual_memory().total / 2**30
    print(
        f"data: {args.rows:,} x {L} float32 + uint8 = {gib:.1f} GiB (RAM {total_ram:.1f} GiB, disk free {free:.0f} GiB)"
    )
    sizes = write_chunks(args.dir, args.rows, L, args.chunk_rows)
    avg = args.average
    try:
        # ---- out of core: every chunk read from its memory map, twice (histograms, then the gather).
        y, s = lazy_arrays(args.dir, sizes, L)
        with dask.config.set(scheduler="threads", num_workers=args.workers), ProgressBar(dt=0.5), PeakMemory() as mem:
            t0 = time.perf_counter()
            res = f1dask.tune_thresholds(y, s, average=avg, n_threads=1)
            t_ooc = time.perf_counter() - t0
        counts = res.tp + res.fp + res.fn + res.tn
        assert (counts == args.rows).all(), "every row counted once per label"
        ns_ooc = t_ooc / args.rows * 1e9
        print(
            f"out-of-core f1tune.dask ({avg}, {args.rows:,} rows): {t_ooc:.1f} s = {ns_ooc:.0f} ns/row "
            f"({gib / t_ooc:.2f} GiB/s per pass pair); peak RSS {mem.rss / 2**30:.2f} GiB, "
            f"without file-backed pages {mem.anon / 2**30:.2f} GiB; score {res.score:.6f}"
        )
        if args.in_memory_rows:
            n = min(args.in_memory_rows, args.rows)
            ym, sm = np.empty((n, L), np.uint8), np.empty((n, L), np.float32)
            for i, start in enumerate(range(0, n, args.chunk_rows)):  # loaded in place: no second copy
                stop = min(start + args.chunk_rows, n)
                ym[start:stop] = np.load(args.dir / f"y_{i:05d}.npy", mmap_mode="r")[: stop - start]
                sm[start:stop] = np.load(args.dir / f"s_{i:05d}.npy", mmap_mode="r")[: stop - start]
            tune_thresholds(ym[:10_000], sm[:10_000], average=avg)  # warm-up
            with PeakMemory() as mem_np:
                t0 = time.perf_counter()
                ref = tune_thresholds(ym, sm, average=avg)
                t_np = time.perf_counter() - t0
            dy, ds = da.from_array(ym, chunks=(args.chunk_rows, L)), da.from_array(sm, chunks=(args.chunk_rows, L))
            with dask.config.set(scheduler="threads", num_workers=args.workers):
                t0 = time.perf_counter()
                got = f1dask.tune_thresholds(dy, ds, average=avg, n_threads=1)
                t_dm = time.perf_counter() - t0
            assert np.array_equal(got.thresholds, ref.thresholds) and np.array_equal(got.tp, ref.tp)
            ns_np, ns_dm = t_np / n * 1e9, t_dm / n * 1e9
            print(
                f"in memory, {n:,} rows: f1tune.tune_thresholds {t_np:.2f} s = {ns_np:.0f} ns/row "
                f"(peak RSS {mem_np.rss / 2**30:.2f} GiB with the data); "
                f"f1tune.dask on the same arrays {t_dm:.2f} s = {ns_dm:.0f} ns/row (equal results)"
            )
            print(
                f"ratios per row: out-of-core / in-memory numpy = {ns_ooc / ns_np:.1f}x, "
                f"out-of-core / in-memory dask = {ns_ooc / ns_dm:.1f}x, in-memory dask / numpy = {ns_dm / ns_np:.2f}x"
            )
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)
            print(f"deleted {args.dir}")


if __name__ == "__main__":
    main()
