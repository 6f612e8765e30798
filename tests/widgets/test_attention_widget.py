import json
import re

import numpy as np
import pytest

from rnncourse.data.dates import TARGET_VOCAB
from rnncourse.experiments import dates as exp
from rnncourse.train.seq2seq import batch_tensors, greedy_decode
from rnncourse.widgets import AttentionExplorer
from rnncourse.widgets._base import decode_array


def _payload(widget) -> dict:
    html = widget._repr_mimebundle_()["text/html"]
    m = re.search(r'<script type="application/json" class="rnnw-data">(.*?)</script>', html, re.S)
    assert m, "no data in the HTML view"
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def model():
    return exp.load_model("additive")


def test_explorer_shows_what_the_model_decodes(model):
    w = AttentionExplorer({"additive": model}, [("3 may 1979", "1979-05-03"), "19790503"])
    data = _payload(w)
    assert data["kind"] == "attention"
    assert data["models"] == ["additive"]
    assert [e["source"] for e in data["examples"]] == ["3 may 1979", "19790503"]
    b = batch_tensors([("3 may 1979", "")])
    ids, maps = greedy_decode(model, b["src"], b["src_len"])
    run = data["examples"][0]["runs"]["additive"]
    assert run["output"] == TARGET_VOCAB.decode(ids[0])
    shown = decode_array(run["w"])
    assert shown.shape == maps[0].shape == (len(run["output"]) + 1, 10)
    np.testing.assert_allclose(shown, maps[0], atol=1 / 255)
    np.testing.assert_allclose(shown.sum(axis=1), 1.0, atol=10 / 255)


def test_typed_input_is_decoded_and_shown_first(model):
    w = AttentionExplorer({"additive": model}, ["19790503"])
    w.add_input("le 14 juillet 2001")
    data = _payload(w)
    assert data["examples"][0]["source"] == "le 14 juillet 2001"
    assert w.results[0]["additive"]["output"] == "2001-07-14"


def test_bad_input_gives_a_message_not_a_crash(model):
    w = AttentionExplorer({"additive": model}, ["3 may 1979!"])
    assert w.data is None
    assert "never saw" in w.error
    assert "Cannot show this widget" in w._repr_mimebundle_()["text/html"]
    none = exp.load_model("none")
    w = AttentionExplorer({"none": none}, ["19790503"])
    assert "no attention" in w.error
