"""Boundary checks for the modules: every message names the argument, the expected shape in symbols
and numbers, and what came."""

from __future__ import annotations

from torch import Tensor

from rnncourse._validation import fmt_shape


def check_tensor(name: str, value: object) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value


def check_like(name: str, t: Tensor, ref: Tensor, ref_name: str) -> None:
    """``t`` must have the dtype and the device of ``ref`` (the module's parameters)."""
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {t.dtype}")
    if t.dtype != ref.dtype:
        raise TypeError(
            f"{name} has dtype {t.dtype} but {ref_name} has dtype {ref.dtype}; convert one of them "
            f"(e.g. module.to({t.dtype}) or {name}.to({ref.dtype}))"
        )
    if t.device != ref.device:
        raise ValueError(
            f"{name} is on device {t.device} but {ref_name} is on {ref.device}; move one of them "
            f"(e.g. module.to('{t.device}') or {name}.to('{ref.device}'))"
        )


def check_shape(
    name: str, t: Tensor, expected: tuple[int, ...], symbols: str, when: str = ""
) -> None:
    """``t.shape`` must equal ``expected``; ``symbols`` spells it, e.g. ``"(L*dirs, N, H)"``."""
    if tuple(t.shape) != tuple(expected):
        numbers = fmt_shape(expected)
        raise ValueError(f"{name} must be {symbols} = {numbers}{when}, got {fmt_shape(t.shape)}")


def check_input(name: str, x: Tensor, input_size: int, dims: tuple[int, ...], symbols: str) -> None:
    """Rank in ``dims`` and last axis ``D = input_size``."""
    if x.dim() not in dims:
        raise ValueError(
            f"{name} must be {symbols}, got a {x.dim()}-D tensor of shape {fmt_shape(x.shape)}"
        )
    if x.shape[-1] != input_size:
        raise ValueError(
            f"{name} must have D = input_size = {input_size} features in its last axis "
            f"{symbols}, got shape {fmt_shape(x.shape)}"
        )
    if any(s == 0 for s in x.shape[:-1]):
        raise ValueError(
            f"{name} must have at least one time step and one sequence, got {fmt_shape(x.shape)}"
        )
