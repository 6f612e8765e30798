r"""Spoken digit strings for CTC: synthesised offline with espeak-ng, shipped as log-mel features.

Each utterance is a string of 3 to 5 digits read by Debian's espeak-ng speech synthesiser
(``espeak-ng -v VOICE -s SPEED -p PITCH "3 1 4"``), at 22 050 Hz, turned into log-mel features:

.. math:: X_{t,m} = \log\big(10^{-6} + \textstyle\sum_f M_{m,f}\, |\mathrm{STFT}(w)_{t,f}|^2\big)

with a Hann window of 512 samples (23 ms), a hop of 441 samples (20 ms, 50 frames a second) and
:math:`M` the triangular mel filterbank of :func:`mel_filterbank` (HTK's mel scale,
:math:`\mathrm{mel}(f) = 2595 \log_{10}(1 + f/700)`, 20 bands from 50 Hz to 8 kHz).

The test split is held out in two ways: its voices (espeak-ng voice + variant, our "speakers")
and its speaking rates are never heard in training. The book and the tests never run espeak-ng:
``python -m rnncourse.data.speech build`` makes ``spoken_digits.npz`` once (about 2 MB: the
features are stored in steps of 0.1 nats as uint8, an error of at most 0.05, far below the
differences between frames), and :func:`load_spoken_digits` reads it. Installing espeak-ng
(``apt-get install -y espeak-ng``) is only needed to rebuild it.

Classes: 0 is the CTC blank, digit d is class d + 1 (C = 11).
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import wave
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rnncourse._validation import check_choice, check_float_array, check_int

__all__ = [
    "BLANK",
    "NUM_CLASSES",
    "SAMPLE_RATE",
    "TRAIN_VOICES",
    "TEST_VOICES",
    "TRAIN_SPEEDS",
    "TEST_SPEEDS",
    "SpokenDigits",
    "mel_filterbank",
    "log_mel",
    "synthesise",
    "build",
    "quantise",
    "dequantise",
    "load_spoken_digits",
]

BLANK, NUM_CLASSES = 0, 11
SAMPLE_RATE, N_FFT, HOP, N_MELS, F_MIN, F_MAX = 22050, 512, 441, 20, 50.0, 8000.0
TRAIN_VOICES = ("en-us+m1", "en-us+f1", "en+m3", "en+f3", "en-gb-x-rp+m5", "en-gb-scotland+f2")
TEST_VOICES = ("en-us+m2", "en+f4", "en-gb-scotland+m4")
TRAIN_SPEEDS, TEST_SPEEDS = (130, 160, 190), (145, 210)  # words per minute
PITCHES = (30, 45, 60, 75)  # espeak-ng's 0-99 scale, in both splits
DATA_FILE = Path(__file__).with_name("spoken_digits.npz")
Q_LOW, Q_STEP = -14.0, 0.1  # stored value q means log-mel Q_LOW + Q_STEP * q; log(1e-6) = -13.8


def quantise(features: np.ndarray) -> np.ndarray:
    """Round log-mel features to steps of Q_STEP from Q_LOW, as uint8 (0 .. 255)."""
    return np.clip(np.round((features - Q_LOW) / Q_STEP), 0, 255).astype(np.uint8)


def dequantise(q: np.ndarray) -> np.ndarray:
    """Inverse of :func:`quantise` (float32)."""
    return (Q_LOW + Q_STEP * q.astype(np.float32)).astype(np.float32)


def mel_filterbank(
    n_mels: int = N_MELS,
    n_fft: int = N_FFT,
    sample_rate: int = SAMPLE_RATE,
    f_min: float = F_MIN,
    f_max: float = F_MAX,
) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, shape (n_mels, n_fft // 2 + 1).

    Filter m rises linearly from 0 at centre m - 1 to 1 at centre m and falls back to 0 at centre
    m + 1 (the n_mels + 2 centres are equally spaced in mel between f_min and f_max); weights are
    read at the FFT bin frequencies, unnormalised (librosa's ``htk=True, norm=None``).
    """
    check_int("n_mels", n_mels)
    check_int("n_fft", n_fft, minimum=2)
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(
            f"need 0 <= f_min < f_max <= sample_rate / 2 = {sample_rate / 2}, got {f_min}, {f_max}"
        )
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    centres = hz(np.linspace(mel(f_min), mel(f_max), n_mels + 2))  # (n_mels + 2,)
    bins = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)  # (F,)
    left, centre, right = centres[:-2, None], centres[1:-1, None], centres[2:, None]
    rising = (bins - left) / (centre - left)
    falling = (right - bins) / (right - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def log_mel(wave_: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Log-mel features (T, 20) of a mono waveform (L,): Hann-windowed power spectra, mel, log."""
    check_float_array("wave_", wave_, "(L,)")
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"sample_rate must be {SAMPLE_RATE} Hz (espeak-ng's), got {sample_rate}")
    padded = np.pad(wave_, (N_FFT // 2, N_FFT // 2))  # centred frames, as librosa's center=True
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    power = np.abs(np.fft.rfft(frames * np.hanning(N_FFT + 1)[:-1], axis=1)) ** 2  # periodic Hann
    return np.log(1e-6 + power @ mel_filterbank().T)


def synthesise(digits: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """Run espeak-ng on a digit string (read digit by digit) and return the waveform in [-1, 1]."""
    if not digits.isdigit():
        raise ValueError(f"digits must be a string of 0-9, got {digits!r}")
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install -y espeak-ng")
    cmd = [exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", " ".join(digits)]
    with wave.open(io.BytesIO(subprocess.run(cmd, capture_output=True, check=True).stdout)) as w:
        if w.getframerate() != SAMPLE_RATE or w.getsampwidth() != 2:
            raise RuntimeError(f"espeak-ng gave {w.getframerate()} Hz, {w.getsampwidth()} B")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0


class SpokenDigits(NamedTuple):
    """One split: features, label strings (classes 1-10) and who read each at what rate."""

    features: list[np.ndarray]  # (T_n, 20) float32 each
    labels: list[np.ndarray]  # (S_n,) int64 each, digit d as class d + 1
    voices: list[str]
    speeds: np.ndarray  # (N,) words per minute
    pitches: np.ndarray  # (N,)


def _plan(split: str, n: int, rng: np.random.Generator) -> list[tuple[str, str, int, int]]:
    voices, speeds = (
        (TRAIN_VOICES, TRAIN_SPEEDS) if split == "train" else (TEST_VOICES, TEST_SPEEDS)
    )
    plan = []
    for _ in range(n):
        digits = "".join(map(str, rng.integers(0, 10, size=rng.integers(3, 6))))
        plan.append(
            (digits, str(rng.choice(voices)), int(rng.choice(speeds)), int(rng.choice(PITCHES)))
        )
    return plan


def build(path: Path = DATA_FILE, n_train: int = 1200, n_test: int = 300, seed: int = 0) -> Path:
    """Synthesise both splits with espeak-ng and save them to ``path`` (an npz of flat arrays)."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for split, n in (("train", n_train), ("test", n_test)):
        plan = _plan(split, n, rng)
        feats = [log_mel(synthesise(*p)) for p in plan]
        arrays[f"{split}_features"] = quantise(np.concatenate(feats))
        arrays[f"{split}_frames"] = np.array([len(f) for f in feats])
        arrays[f"{split}_digits"] = np.array([p[0] for p in plan])
        arrays[f"{split}_voices"] = np.array([p[1] for p in plan])
        arrays[f"{split}_speeds"] = np.array([p[2] for p in plan])
        arrays[f"{split}_pitches"] = np.array([p[3] for p in plan])
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    np.savez_compressed(path, espeak_version=np.array(version.strip()), **arrays)
    return path


def load_spoken_digits(split: str = "train", path: Path = DATA_FILE) -> SpokenDigits:
    """Load one split ("train" or "test") of the shipped spoken digit strings."""
    check_choice("split", split, ("train", "test"))
    with np.load(path) as z:
        ends = np.cumsum(z[f"{split}_frames"])
        feats = np.split(dequantise(z[f"{split}_features"]), ends[:-1])
        labels = [np.array([int(d) + 1 for d in s]) for s in z[f"{split}_digits"]]
        return SpokenDigits(
            feats, labels, list(z[f"{split}_voices"]), z[f"{split}_speeds"], z[f"{split}_pitches"]
        )


def main(argv: list[str] | None = None) -> None:
    """``python -m rnncourse.data.speech build [--out PATH]``: rebuild the shipped features."""
    parser = argparse.ArgumentParser(prog="python -m rnncourse.data.speech")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", type=Path, default=DATA_FILE)
    args = parser.parse_args(argv)
    out = build(args.out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
