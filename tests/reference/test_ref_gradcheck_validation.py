"""The learner-facing gradient checker and the shared validation helpers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnncourse._validation import (
    Dims,
    check_array,
    check_bool_array,
    check_choice,
    check_float_array,
    check_ids,
    check_int,
    check_int_array,
    check_keys,
    check_positive,
    parse_shape,
)
from rnncourse.reference import (
    GradCheckError,
    eval_numerical_gradient,
    grad_check,
    rel_error,
    rnn_backward,
    rnn_forward,
)


# ------------------------------------------------------------------------------- gradcheck
def test_numerical_gradient_of_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    num = eval_numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(num, 3 * x**2, rtol=1e-9)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored after perturbing


def test_numerical_gradient_with_dout_and_indices():
    x = np.array([1.0, 2.0, 3.0])
    dout = np.array([1.0, 10.0, 100.0])
    num = eval_numerical_gradient(lambda v: np.sin(v), x, dout=dout, indices=np.array([2]))
    np.testing.assert_allclose(num, [0.0, 0.0, 100 * np.cos(3.0)], rtol=1e-9)


def test_rel_error_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(0.0, 1e-9) == pytest.approx(1e-9 / 1e-8)  # the 1e-8 floor


def _rnn_case():
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3))
    Wx, Wh, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dout = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)
    inputs = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}
    grads = {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}
    return (lambda: rnn_forward(x, h0, Wx, Wh, b)[0]), inputs, grads, dout


def test_grad_check_accepts_correct_gradients():
    f, inputs, grads, dout = _rnn_case()
    errors = grad_check(f, inputs, grads, dout=dout, strict=True)
    assert set(errors) == set(inputs)
    assert max(errors.values()) < 1e-6


def test_grad_check_catches_wrong_gradient():
    f, inputs, grads, dout = _rnn_case()
    grads["Wh"] = grads["Wh"].T.copy()  # a classic mistake
    errors = grad_check(f, inputs, grads, dout=dout)
    assert errors["Wh"] > 1e-3
    assert errors["Wx"] < 1e-6
    with pytest.raises(GradCheckError, match=r"gradient check failed .*Wh"):
        grad_check(f, inputs, grads, dout=dout, strict=True)


def test_grad_check_sparse_is_seeded():
    f, inputs, grads, dout = _rnn_case()
    e1 = grad_check(f, inputs, grads, dout=dout, num_checks=3, rng=7)
    e2 = grad_check(f, inputs, grads, dout=dout, num_checks=3, rng=7)
    assert e1 == e2
    assert max(e1.values()) < 1e-6


def test_grad_check_rejects_float32():
    x = np.ones(3, dtype=np.float32)
    with pytest.raises(
        TypeError, match="x must be float64 for a numerical gradient check, got float32"
    ):
        eval_numerical_gradient(lambda v: v.sum(), x)


def test_grad_check_needs_dout_for_array_output():
    with pytest.raises(ValueError, match="pass dout"):
        eval_numerical_gradient(lambda v: v * 2, np.ones(3))


def test_grad_check_shape_mismatch_message():
    f, inputs, grads, dout = _rnn_case()
    grads["b"] = np.zeros(4)
    with pytest.raises(
        ValueError,
        match=r"analytic\['b'\] must have the shape of "
        r"inputs\['b'\] \(3,\), got \(4,\)",
    ):
        grad_check(f, inputs, grads, dout=dout)


# ------------------------------------------------------------------------------ validation
def test_parse_shape():
    assert parse_shape("(N, 4H, 3)") == ((1, "N"), (4, "H"), (3, None))
    with pytest.raises(ValueError, match="bad shape spec"):
        parse_shape("(N, H+1)")


def test_dims_bind_from_multiple():
    dims = Dims()
    check_array("b", np.zeros(12), "(4H,)", dims)
    assert dims["H"] == 3
    with pytest.raises(
        ValueError,
        match=r"Wh must be \(H, 4H\) = \(3, 12\), got \(4, 12\) "
        r"\(H = 3 from b\)",
    ):
        check_array("Wh", np.zeros((4, 12)), "(H, 4H)", dims)


def test_rank_message_with_known_numbers():
    dims = Dims(N=2, H=5)
    with pytest.raises(
        ValueError,
        match=r"h0 must have 2 dimension\(s\) \(N, H\) = \(2, 5\), "
        r"got 1 with shape \(5,\)",
    ):
        check_array("h0", np.zeros(5), "(N, H)", dims)


def test_type_messages():
    with pytest.raises(TypeError, match="y must be an integer array of shape"):
        check_int_array("y", np.zeros((2, 3)), "(N, T)")
    msg = r"y must hold indices in \[0, 4\), got values in \[0, 7\]"
    with pytest.raises(ValueError, match=msg):
        check_int_array("y", np.array([0, 7]), high=4)
    with pytest.raises(TypeError, match="mask must be a boolean array"):
        check_bool_array("mask", np.ones(3))
    with pytest.raises(TypeError, match="got dtype complex128"):
        check_float_array("x", np.ones(2, dtype=complex))


def test_check_ids_lists_empty_and_messages():
    ids = check_ids("ids", [3, 0, 2], high=4)
    assert ids.dtype == np.int64
    assert ids.tolist() == [3, 0, 2]
    same = np.array([1, 2], dtype=np.int64)
    assert check_ids("ids", same) is same
    assert check_ids("ids", []).shape == (0,)  # decoding nothing is allowed
    assert check_ids("ids", [[]], None).shape == (1, 0)
    with pytest.raises(
        ValueError, match=r"ids must hold indices in \[0, 4\), got values in \[0, 4\]"
    ):
        check_ids("ids", [0, 4], high=4)
    with pytest.raises(
        TypeError, match=r"data must be an integer array of shape \(L,\), got dtype"
    ):
        check_ids("data", [0.5, 1.0])
    with pytest.raises(ValueError, match=r"ids must have 1 dimension\(s\) \(L,\), got 2"):
        check_ids("ids", np.zeros((0, 2), dtype=int))
    dims = Dims(T=3)
    with pytest.raises(ValueError, match=r"ids must be \(T,\) with every size >= 1"):
        check_ids("ids", [], "(T,)", dims)  # a bound length is not free


def test_choice_positive_keys_messages():
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'gru'; got 'lstmm'"):
        check_choice("cell", "lstmm", ["rnn", "gru"])
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -1"):
        check_positive("lr", -1)
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        check_positive("lr", "0.1")
    with pytest.raises(ValueError, match="params is missing key\\(s\\) 'Wh'; it has 'Wx', 'b'"):
        check_keys("params", {"Wx": 1, "b": 2}, ["Wx", "Wh", "b"])


def test_int_and_rng_messages():
    assert type(check_int("T", np.int64(3))) is int
    assert check_int("T", np.int64(3)) == 3
    assert check_int("max_len", 0, minimum=0) == 0
    assert check_int("top_k", None, allow_none=True) is None
    for bad in (0, True, 2.0, "3", None):
        with pytest.raises(ValueError, match=f"T must be an integer >= 1, got {bad!r}"):
            check_int("T", bad)
    with pytest.raises(ValueError, match="T must be an integer >= 24, got 23"):
        check_int("T", 23, minimum=24)
    with pytest.raises(ValueError, match="top_k must be None or an integer >= 1, got 0"):
        check_int("top_k", 0, allow_none=True)
    assert check_int("T", 8, 2, maximum=8) == 8
    for bad in (1, 9, 3.0):
        with pytest.raises(ValueError, match=rf"T must be an integer in \[2, 8\], got {bad!r}"):
            check_int("T", bad, 2, maximum=8)


def test_empty_sizes_rejected():
    with pytest.raises(
        ValueError,
        match=r"x must be \(N, T, D\) with every size >= 1, got the "
        r"empty shape \(2, 0, 3\)",
    ):
        rnn_forward(np.zeros((2, 0, 3)), None, np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4))


def test_as_generator_is_the_one_rng_policy():
    import rnncourse._validation as validation
    import rnncourse.reference as reference
    from rnncourse._validation import as_generator

    # one helper, under one name: the old strict check_rng and the alias make_rng are gone
    assert not hasattr(validation, "check_rng")
    assert not hasattr(reference, "make_rng")
    rng = np.random.default_rng(0)
    assert as_generator(rng) is rng  # a generator's stream goes on
    assert as_generator(5).random() == as_generator(np.int64(5)).random()  # a seed reproduces
    assert as_generator(None).random() != as_generator(None).random()  # None: fresh entropy
    for bad, came in ((True, "bool"), (1.5, "float"), (np.random.RandomState(0), "RandomState")):
        with pytest.raises(
            TypeError,
            match=f"rng must be a numpy.random.Generator, an int seed or None, got {came}",
        ):
            as_generator(bad)


def _inline_rng_policies(package: Path) -> list[str]:
    """Lines outside ``as_generator`` that turn an ``rng`` argument into a generator themselves."""
    pattern = re.compile(r"default_rng\(rng\)|isinstance\(rng,|rng = rng or |if rng is None:")
    home = package / "_validation" / "scalars.py"
    return [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        if path != home
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]


def test_every_rng_argument_goes_through_as_generator(tmp_path):
    package = Path(__file__).resolve().parents[2] / "rnncourse"
    assert _inline_rng_policies(package) == []
    planted = tmp_path / "rnncourse"
    (planted / "data").mkdir(parents=True)
    (planted / "data" / "x.py").write_text(
        "def f(rng=None):\n    if rng is None:\n        rng = 0\n"
    )
    assert _inline_rng_policies(planted) == ["data/x.py:2"]
