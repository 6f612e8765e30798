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
    cpu = getattr(rnn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64,
                             fused=fused)  # fmt: skip
    gpu = getattr(rnn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64,
                             fused=fused, device="cuda")  # fmt: skip
    gpu.load_state_dict(cpu.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    outs = []
    for m, dev in ((cpu, "cpu"), (gpu, "cuda")):
        xi = x.to(dev).requires_grad_()
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
