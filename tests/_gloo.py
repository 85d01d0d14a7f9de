"""Gloo process groups on loopback for the distributed tests (imports torch: not in conftest.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import torch.distributed as dist


@contextlib.contextmanager
def loopback_group(rank: int, port: int, world_size: int) -> Iterator[None]:
    """Join a gloo process group of ``world_size`` ranks on 127.0.0.1 and leave it on exit."""
    if sys.platform.startswith("linux"):
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # loopback only
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        yield
    finally:
        dist.destroy_process_group()


def spawn_ranks(worker: Callable[[int, int, str], None], world_size: int, result_dir: Path | str) -> None:
    """Run ``worker(rank, port, result_dir)`` in ``world_size`` processes on a free loopback port."""
    import torch.multiprocessing as mp

    mp.spawn(worker, args=(_free_port(), str(result_dir)), nprocs=world_size, join=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
