"""Boundary checks for the modules.

Every message names the argument, the expected shape in symbols and numbers, and what came.
"""

from __future__ import annotations

import numbers
import warnings

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


def named_states(hx: object, lstm: bool, names: tuple[str, str], owner: str) -> list:
    """Return the state argument as ``(name, value)`` pairs, the names those of the messages.

    ``[("hx", hx)]``, or for an LSTM (``hx`` must be a tuple or list of two) the pair
    ``[("hx[0] (h)", h), ("hx[1] (c)", c)]`` with ``names = ("h", "c")``.
    """
    if not lstm:
        return [("hx", hx)]
    h, c = names
    if not (isinstance(hx, tuple | list) and len(hx) == 2):
        raise TypeError(f"hx must be a tuple ({h}, {c}) for {owner}, got {type(hx).__name__}")
    return [(f"hx[0] ({h})", hx[0]), (f"hx[1] ({c})", hx[1])]


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


def check_sizes(**sizes: object) -> None:
    """Each size must be an int greater than zero (TypeError, ValueError), as in torch.nn."""
    for name, v in sizes.items():
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{name} must be an int, got {type(v).__name__}")
        if v <= 0:
            raise ValueError(f"{name} must be greater than zero, got {v}")


def check_config(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size=0):
    """Run the constructor checks of ``torch.nn.RNNBase``, with messages naming the argument."""
    check_sizes(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
    for name, v in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(v, bool):
            raise TypeError(f"{name} must be a bool, got {type(v).__name__}")
    number = isinstance(dropout, numbers.Number) and not isinstance(dropout, bool)
    if not number or not 0 <= dropout <= 1:
        raise ValueError(f"dropout must be a number in [0, 1], got {dropout!r}")
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            f"dropout={dropout} acts between layers only, so it has no effect with num_layers=1",
            stacklevel=3,
        )
    if proj_size:
        raise ValueError(f"proj_size must be 0 (projections are not implemented), got {proj_size}")
