"""Small helpers for running the trainers on a GPU and under torchrun (DistributedDataParallel).

    torchrun --standalone --nproc_per_node 8 Training/train_amplitude.py --out runs/amp ...

Launched by torchrun (RANK / WORLD_SIZE / LOCAL_RANK in the environment, world size > 1), init()
joins the process group (NCCL when the device is a GPU, gloo on the CPU) and each rank uses
cuda:LOCAL_RANK. Otherwise everything here is a no-op single process: rank 0 of 1, no process
group, and the trainers behave exactly as plain `python train.py`.

GID_DDP_CHECK=PATH (debug / tests): write_check() writes each rank's checksum of its trainable
parameters to PATH.rankN, so a test can assert that the ranks stayed in sync.
"""
import hashlib
import json
import os
import sys
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass
class Context:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    backend: str = ""            # "" when not distributed

    @property
    def distributed(self):
        return self.world > 1

    @property
    def is_main(self):
        return self.rank == 0


def launched():
    """True when started by torchrun (or another env:// launcher) with more than one process."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def pick_device(choice="auto", local_rank=0):
    """auto: cuda if available, else cpu. cuda: cuda:local_rank (one GPU per process)."""
    if choice in (None, "auto"):
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    if str(choice).startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: no CUDA device is available")
        d = torch.device(choice)
        return torch.device("cuda", local_rank if d.index is None else d.index)
    return torch.device(choice)


def init(device="auto"):
    """Joins the torchrun process group if launched by torchrun; returns the Context."""
    if not launched():
        return Context(device=pick_device(device, int(os.environ.get("LOCAL_RANK", "0"))))
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = pick_device(device, local_rank)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    backend = "nccl" if dev.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world)
    return Context(rank, world, local_rank, dev, backend)


def context(device="cpu"):
    """The Context of an already initialised process group (init() called by main), else a single
    process on `device` (how the tests call train.train())."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        dev = pick_device(device, local_rank)
        return Context(rank, world, local_rank, dev, dist.get_backend())
    return Context(device=pick_device(device))


def barrier(ctx):
    if ctx.distributed:
        if ctx.backend == "nccl":
            dist.barrier(device_ids=[ctx.device.index])
        else:
            dist.barrier()


def cleanup(ctx):
    """Leaves the process group; a distributed rank then exits at once. Gloo's worker threads can
    still hold tensors (DDP's reducer) when the interpreter tears down, and freeing them there
    aborts the rank now and then ("terminate called without an active exception", SIGABRT) after
    all its work is done, which fails the whole torchrun. Every file is closed by now."""
    if ctx.distributed and dist.is_initialized():
        barrier(ctx)
        dist.destroy_process_group()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def ddp(module, ctx):
    """DistributedDataParallel around `module` (already on ctx.device); the module itself when not
    distributed. The constructor broadcasts rank 0's parameters and buffers, so every rank starts
    from the same weights. No device_ids: inputs are not moved (the losses keep their random draws
    on the CPU generator and move tensors themselves)."""
    if not ctx.distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel
    return DistributedDataParallel(module)


def broadcast_module(module, ctx, src=0):
    """Copies rank src's parameters and buffers into every rank's module (frozen parts DDP does not
    wrap, e.g. a fitted projection)."""
    if ctx.distributed:
        with torch.no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.data, src)


def shard(n, ctx):
    """The indices rank::world of range(n) (all of them in a single process, or when n < world)."""
    if not ctx.distributed or n < ctx.world:
        return np.arange(n)
    return np.arange(ctx.rank, n, ctx.world)


def agree(flag, ctx):
    """Rank 0's value of a boolean on every rank (wall-time limits: all ranks must stop together)."""
    if not ctx.distributed:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=ctx.device if ctx.backend == "nccl" else "cpu")
    dist.broadcast(t, 0)
    return bool(t.item())


def to_cpu(obj):
    """obj with every tensor (in dicts, lists, tuples) moved to the CPU: checkpoints load anywhere."""
    if torch.is_tensor(obj):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return type(obj)((k, to_cpu(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return obj


def to_device(obj, device):
    if torch.is_tensor(obj):
        return obj.to(device)
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj


def write_check(params, ctx):
    """With GID_DDP_CHECK=PATH set: PATH.rankN gets the sha256 of the parameters' bytes and their sum."""
    path = os.environ.get("GID_DDP_CHECK")
    if not path:
        return
    params, h, total = list(params), hashlib.sha256(), 0.0
    for p in params:
        a = p.detach().cpu().contiguous().float().numpy()
        h.update(a.tobytes())
        total += float(a.astype(np.float64).sum())
    with open(f"{path}.rank{ctx.rank}", "w") as f:
        json.dump({"rank": ctx.rank, "world": ctx.world, "sha256": h.hexdigest(), "sum": total,
                   "count": sum(p.numel() for p in params)}, f)
