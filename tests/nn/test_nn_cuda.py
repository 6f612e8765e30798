"""GPU runs give the CPU results (skipped cleanly where CUDA is not available). The random-config
parity with torch.nn also runs on CUDA through the ``device`` parameter of its tests."""

from __future__ import annotations

import pytest
import torch

import rnncourse.nn as rnn

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("fused", [True, False])
def test_cuda_matches_cpu(kind, fused):
    torch.manual_seed(0)
    cpu = getattr(rnn, kind)(
        3, 4, num_layers=2, bidirectional=True, dtype=torch.float64, fused=fused
    )
    gpu = getattr(rnn, kind)(
        3, 4, num_layers=2, bidirectional=True, dtype=torch.float64, fused=fused, device="cuda"
    )
    gpu.load_state_dict(cpu.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    outs = []
    for m, dev in ((cpu, "cpu"), (gpu, "cuda")):
        # a fresh leaf per device: x.to("cpu") is x itself, so x would otherwise require grad
        # and x.to("cuda") would be a non-leaf copy without .grad
        xi = x.to(dev).detach().clone().requires_grad_()
        out, _ = m(xi)
        (out * out).sum().backward()
        outs.append([out.detach().cpu(), xi.grad.cpu(), *(p.grad.cpu() for p in m.parameters())])
    for a, b in zip(*outs, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


def test_cuda_recorder_and_conversion():
    m = rnn.LSTM(3, 4, device="cuda")
    with rnn.GateRecorder(m) as rec:
        m(torch.randn(5, 2, 3, device="cuda"))
    assert rec.gates()["c"].device.type == "cuda"
    p = rnn.to_reference_params(m)
    rnn.load_reference_params(m, p)
    assert m.weight_ih_l0.device.type == "cuda"


def test_cpu_input_to_cuda_module_is_a_clear_error():
    m = rnn.GRU(3, 4, device="cuda")
    with pytest.raises(ValueError, match="input is on device cpu but the module's parameters"):
        m(torch.randn(5, 2, 3))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "f16"])
def test_cuda_autocast_lstm_is_close_to_float32(dtype):
    """The mixed-precision LSTM path on the GPU: products in ``dtype``, state in float32."""
    torch.manual_seed(0)
    m = rnn.LSTM(16, 64, num_layers=2, batch_first=True, device="cuda")
    x = torch.randn(32, 40, 16, device="cuda")
    results = []
    for amp in (False, True):
        m.zero_grad()
        with torch.autocast("cuda", dtype, enabled=amp):
            out, (h, c) = m(x)
        assert out.dtype == (dtype if amp else torch.float32)
        out.float().pow(2).sum().backward()
        results.append([out.detach().float(), *(p.grad.clone() for p in m.parameters())])
    for a, b in zip(*results, strict=True):
        err = float((b - a).norm() / a.norm())
        assert 1e-5 < err < 3e-2
