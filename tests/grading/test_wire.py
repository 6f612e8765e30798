"""The channel between grader and child carries data only: nothing is ever unpickled."""

from __future__ import annotations

import base64
import io
import json
import pickle

import numpy as np
import pytest

from rnncourse.grading import wire


def test_round_trip_of_the_supported_types():
    value = {
        "a": (np.arange(6.0).reshape(2, 3), [1, 2.5, None, True, "s"]),
        "b": np.float32(1.5),
        "c": float("nan"),
        "ref": wire.Ref(1, 0),
        "make": wire.Make("rng", seed=3),
    }
    back = wire.decode(wire.encode(value))
    np.testing.assert_array_equal(back["a"][0], value["a"][0])
    assert back["a"][1] == [1, 2.5, None, True, "s"]
    assert isinstance(back["b"], np.float32)
    assert np.isnan(back["c"])
    assert (back["ref"].call, back["ref"].item) == (1, 0)
    assert back["make"].kind == "rng"
    assert back["make"].params == {"seed": 3}


def test_objects_become_opaque_markers():
    back = wire.decode(wire.encode({"cache": object(), "objs": np.array([None, 1], dtype=object)}))
    assert isinstance(back["cache"], wire.Opaque)
    assert back["cache"].type_name == "object"
    assert isinstance(back["objs"], wire.Opaque)


def test_pickled_arrays_are_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    payload = json.dumps({"__nd__": base64.b64encode(buf.getvalue()).decode()}).encode()
    with pytest.raises(ValueError, match="allow_pickle=False"):
        wire.decode(payload)
    with pytest.raises((ValueError, UnicodeDecodeError)):
        wire.decode(pickle.dumps(object()))


def test_zero_dimensional_arrays_keep_their_shape():
    back = wire.decode(wire.encode(np.array(2.0)))
    assert isinstance(back, np.ndarray)
    assert back.shape == ()


def test_numpy_float64_scalars_cross_as_numpy_scalars():
    # np.float64 subclasses float; its NumPy 2 repr "np.float64(0.5)" is no float literal.
    back = wire.decode(wire.encode({"loss": np.float64(0.5), "n": np.int64(3)}))
    assert isinstance(back["loss"], np.float64)
    assert back["loss"] == 0.5
    assert isinstance(back["n"], np.int64)
    assert back["n"] == 3


def test_numbers_are_bounded_and_cannot_disguise_themselves():
    class Big(int):
        def __abs__(self):
            return 0

    class Liar(float):
        def __repr__(self):
            return "1e999999"

    assert wire.to_jsonable(Big(10**400)) == {"__opaque__": "integer out of range"}
    assert wire.to_jsonable(Big(7)) == 7
    assert type(wire.to_jsonable(Big(7))) is int
    assert wire.to_jsonable(Liar(0.5)) == {"__float__": "0.5"}
    with pytest.raises(wire.BadReply, match="an integer out of range"):
        wire.from_untrusted(10**400)
    assert wire.from_untrusted(2**63) == 2**63


def test_reply_lists_and_strings_are_cut_in_the_parent():
    import json

    payload = {"__dict__": {"ok": False, "violations": ["v" * 10_000] * 100, "error": "e" * 99}}
    reply = wire.decode_reply(json.dumps(payload).encode())
    assert reply["violations"] == ["v" * wire.MAX_ITEM_CHARS] * wire.MAX_LIST_ITEMS
    assert reply["error"] == "e" * 99
