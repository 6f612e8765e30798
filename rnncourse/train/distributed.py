"""Data-parallel training across processes with ``torch.distributed`` (started by ``torchrun``).

``torchrun --nproc-per-node W -m rnncourse train ...`` starts W copies of the command with
``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE`` and the rendezvous address in their environment.
:func:`init_from_env` joins them into one process group (``nccl`` on GPUs, ``gloo`` on CPUs) and
:class:`~rnncourse.train.LMTrainer` then

* gives each process N / W of the N text streams (:func:`shard`), so the global batch is N as in a
  one-process run,
* wraps the model in :class:`torch.nn.parallel.DistributedDataParallel`, which averages the
  gradients across processes during ``backward`` (the mean over all N streams, as one process
  computes it),
* averages the reported loss and agrees on when to stop in one small all-reduce per step
  (:func:`agree`), so every process takes the same number of steps,
* gathers the carried hidden state of all streams before a checkpoint (:func:`gather_rows`), so a
  checkpoint holds the state of the whole batch and resumes under any W that divides N.

Only rank 0 prints, logs and writes files.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def launched_by_torchrun() -> bool:
    """Whether this process was started by torchrun (its environment names a rank)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def init_from_env(device: torch.device) -> torch.device:
    """Join the process group torchrun described; returns this process's device.

    On CUDA each process takes GPU ``LOCAL_RANK`` and the ``nccl`` backend; on a CPU ``gloo``.
    """
    if dist.is_initialized():
        return device
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def rank_and_world() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard(n: int) -> slice:
    """Return the rows ``[rank * n / W, (rank + 1) * n / W)`` of ``n`` streams this process trains.

    Raises
    ------
    ValueError
        ``n`` is not divisible by the world size.
    """
    rank, world = rank_and_world()
    if n % world:
        raise ValueError(
            f"batch_size N = {n} streams must be divisible by the number of processes "
            f"({world}): each process trains N / {world} of them"
        )
    per = n // world
    return slice(rank * per, (rank + 1) * per)


def agree(values: list[float], device: torch.device) -> list[float]:
    """Sum ``values`` over all processes (one all-reduce); the values themselves in one process."""
    if rank_and_world()[1] == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def gather_rows(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Concatenate every process's ``t`` along ``dim`` in rank order (``t`` in one process)."""
    world = rank_and_world()[1]
    if world == 1:
        return t
    parts = [torch.empty_like(t) for _ in range(world)]
    dist.all_gather(parts, t.contiguous())
    return torch.cat(parts, dim)


def shutdown() -> None:
    """Leave the process group, if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
