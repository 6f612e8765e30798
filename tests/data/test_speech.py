"""The shipped spoken digit strings: the filterbank, the features, the splits, the generator."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from rnncourse.data import speech
from rnncourse.data.speech import (
    TEST_SPEEDS,
    TEST_VOICES,
    TRAIN_SPEEDS,
    TRAIN_VOICES,
    dequantise,
    load_spoken_digits,
    log_mel,
    mel_filterbank,
    quantise,
)


def test_filterbank_triangles_peak_at_their_centres():
    fb = mel_filterbank()
    assert fb.shape == (20, 257)
    assert (fb >= 0).all()
    assert np.all(fb.max(axis=1) > 0.8)  # each triangle's peak lies near an FFT bin
    peaks = fb.argmax(axis=1)
    assert np.all(np.diff(peaks) > 0)  # centres increase
    assert np.all(np.diff(np.diff(peaks)) >= -1)  # and spread out (the mel scale), up to rounding
    bins = np.linspace(0, 11025, 257)
    assert fb[:, bins < 50].sum() == 0
    assert fb[:, bins > 8000].sum() == 0


def test_log_mel_of_a_tone_peaks_in_the_band_holding_its_frequency():
    t = np.arange(22050) / 22050
    feats = log_mel(np.sin(2 * np.pi * 1000 * t))
    assert feats.shape == (1 + 22050 // 441, 20)
    band = mel_filterbank()[:, round(1000 / (11025 / 256))].argmax()
    assert np.all(feats[5:-5].argmax(axis=1) == band)
    with pytest.raises(ValueError, match=r"wave_ must have 1 dimension\(s\) \(L,\)"):
        log_mel(np.zeros((2, 100)))


def test_against_librosa():
    librosa = pytest.importorskip("librosa", reason="librosa is not installed (an optional check)")
    ref = librosa.filters.mel(
        sr=22050, n_fft=512, n_mels=20, fmin=50.0, fmax=8000.0, htk=True, norm=None
    )
    assert np.abs(mel_filterbank() - ref).max() < 1e-6
    w = np.random.default_rng(0).standard_normal(22050) * 0.1
    S = librosa.feature.melspectrogram(
        y=w, sr=22050, n_fft=512, hop_length=441, center=True, pad_mode="constant",
        n_mels=20, fmin=50.0, fmax=8000.0, htk=True, norm=None,
    )  # fmt: skip
    assert np.abs(log_mel(w) - np.log(1e-6 + S.T)).max() < 1e-5


def test_quantisation_error_is_at_most_half_a_step():
    x = np.random.default_rng(0).uniform(-13.8, 11, size=1000).astype(np.float32)
    err = np.abs(dequantise(quantise(x)) - x).max()
    assert 0.04 < err <= 0.05 + 1e-6


def test_shipped_splits_hold_out_voices_and_speeds():
    train, test = load_spoken_digits("train"), load_spoken_digits("test")
    assert len(train.features) == 1200
    assert len(test.features) == 300
    assert set(train.voices) == set(TRAIN_VOICES)
    assert set(test.voices) == set(TEST_VOICES)
    assert not set(train.voices) & set(test.voices)
    assert set(train.speeds) == set(TRAIN_SPEEDS)
    assert set(test.speeds) == set(TEST_SPEEDS)
    for f, s in zip(test.features, test.labels, strict=True):
        assert f.shape[1] == 20
        assert 3 <= len(s) <= 5
        assert s.min() >= 1
        assert s.max() <= 10
        assert (len(f) - 1) // 3 + 1 >= 2 * len(s)  # CTC-feasible after a stride-3 layer
    assert speech.DATA_FILE.stat().st_size < 3e6
    with pytest.raises(ValueError, match="split"):
        load_spoken_digits("valid")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_regenerating_a_few_utterances_gives_the_shipped_features():
    with np.load(speech.DATA_FILE) as z:
        shipped_version = str(z["espeak_version"])
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    if version.strip() != shipped_version:
        pytest.skip(f"features were made with {shipped_version!r}, this is {version.strip()!r}")
    test = load_spoken_digits("test")
    for n in (0, 7):
        digits = "".join(str(int(k) - 1) for k in test.labels[n])
        wave_ = speech.synthesise(digits, test.voices[n], int(test.speeds[n]), int(test.pitches[n]))
        fresh = dequantise(quantise(log_mel(wave_)))
        assert fresh.shape == test.features[n].shape
        assert np.abs(fresh - test.features[n]).max() < 1e-5
    other = speech.synthesise(digits, test.voices[n], int(test.speeds[n]) + 40, 50)
    assert len(log_mel(other)) != len(test.features[n])  # planted: another rate differs
