"""Conversion between ``rnncourse.nn`` modules and the NumPy reference's parameter dicts.

This is the ONE place where the two layouts meet. The gate order is the same everywhere (torch.nn's:
LSTM [i, f, g, o], GRU [r, z, n], coupled LSTM [f, g, o]), so the only differences are:

================  ===========================  =================================================
reference         module (torch.nn names)      conversion
================  ===========================  =================================================
``Wx`` (D, kH)    ``weight_ih`` (kH, D)        transpose (row-vector vs column-vector convention)
``Wh`` (H, kH)    ``weight_hh`` (kH, H)        transpose
``b``  (kH,)      ``bias_ih`` + ``bias_hh``    RNN/LSTM: the sum (torch keeps two biases for
                                               cuDNN); loading puts ``b`` in ``bias_ih`` and
                                               zeros in ``bias_hh``. GRU: ``b = bias_ih``.
``bh`` (3H,)      ``bias_hh`` (GRU only)       as is (the GRU's hidden-side bias sits inside
                                               ``r ⊙ (h Wh_n + bh_n)``, so it cannot be folded)
``P``  (3H,)      ``weight_peephole``          as is, [p_i, p_f, p_o] (peephole LSTM only)
================  ===========================  =================================================
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnncourse.nn._base import RNNBase
from rnncourse.nn.cells import RNNCellBase


def _params_of(module: nn.Module, layer: int, direction: int) -> dict[str, torch.Tensor | None]:
    if isinstance(module, RNNBase):
        return module.layer_params(layer, direction)
    if isinstance(module, RNNCellBase):
        if (layer, direction) != (0, 0):
            raise ValueError(f"a cell has only layer=0, direction=0, got ({layer}, {direction})")
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_peephole"]
        return {n: getattr(module, n, None) for n in names}
    raise TypeError(
        f"module must be an rnncourse.nn RNN/GRU/LSTM or cell, got {type(module).__name__}"
    )


def to_reference_params(
    module: nn.Module, layer: int = 0, direction: int = 0
) -> dict[str, np.ndarray]:
    """Parameters of one layer/direction in the NumPy reference's layout (copies, on the CPU).

    Parameters
    ----------
    module : RNN, GRU, LSTM or a cell from ``rnncourse.nn``
    layer, direction : int

    Returns
    -------
    dict
        ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (kH,); GRU also ``bh`` (3H,); peephole LSTM also
        ``P`` (3H,). Same dtype as the module.
    """
    p = _params_of(module, layer, direction)

    def arr(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().copy()

    W_ih, W_hh = p["weight_ih"], p["weight_hh"]
    out = {"Wx": arr(W_ih.t()), "Wh": arr(W_hh.t())}
    zeros = torch.zeros(W_ih.shape[0], dtype=W_ih.dtype)
    b_ih = zeros if p["bias_ih"] is None else p["bias_ih"]
    b_hh = zeros if p["bias_hh"] is None else p["bias_hh"]
    if module.kind == "gru":
        out["b"], out["bh"] = arr(b_ih), arr(b_hh)
    else:
        out["b"] = arr(b_ih.detach().cpu() + b_hh.detach().cpu())
    if p.get("weight_peephole") is not None:
        out["P"] = arr(p["weight_peephole"])
    return out


def load_reference_params(
    module: nn.Module, params: dict[str, np.ndarray], layer: int = 0, direction: int = 0
) -> None:
    """Copy reference-layout parameters into one layer/direction of ``module`` (in place).

    Parameters
    ----------
    module : RNN, GRU, LSTM or a cell from ``rnncourse.nn``
    params : dict
        ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (kH,) [, ``bh`` (3H,) for GRU, optional]
        [, ``P`` (3H,) for a peephole LSTM]. Any float dtype; converted to the module's.
    layer, direction : int

    Raises
    ------
    ValueError
        A missing key, a wrong shape, or a non-zero bias for a module built with ``bias=False``.
    """
    p = _params_of(module, layer, direction)
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    G, D = p["weight_ih"].shape
    H = p["weight_hh"].shape[1]
    k = G // H
    expected = {"Wx": ((D, G), f"(D, {k}H)"), "Wh": ((H, G), f"(H, {k}H)"), "b": ((G,), f"({k}H,)")}
    if module.kind == "gru":
        expected["bh"] = ((G,), "(3H,)")
    if p.get("weight_peephole") is not None:
        expected["P"] = ((3 * H,), "(3H,)")
    arrays = {}
    for name, (shape, sym) in expected.items():
        if name not in params:
            if name == "bh":
                arrays[name] = np.zeros(shape)
                continue
            raise ValueError(f"params is missing {name!r}; expected keys {sorted(expected)}")
        a = np.asarray(params[name])
        if a.shape != shape:
            raise ValueError(
                f"params[{name!r}] must be {sym} = {tuple(shape)}, got {tuple(a.shape)}"
            )
        arrays[name] = a
    ref = p["weight_ih"]

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), dtype=ref.dtype, device=ref.device)

    b_hh_new = arrays["bh"] if module.kind == "gru" else np.zeros(G)
    if p["bias_ih"] is None and (np.any(arrays["b"] != 0) or np.any(b_hh_new != 0)):
        raise ValueError(
            "the module was built with bias=False but params['b'] (or 'bh') is non-zero"
        )
    with torch.no_grad():
        p["weight_ih"].copy_(t(arrays["Wx"].T))
        p["weight_hh"].copy_(t(arrays["Wh"].T))
        if p["bias_ih"] is not None:
            p["bias_ih"].copy_(t(arrays["b"]))
            p["bias_hh"].copy_(t(b_hh_new))
        if "P" in arrays:
            p["weight_peephole"].copy_(t(arrays["P"]))
