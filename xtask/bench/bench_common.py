"""Shared worker side of `cargo xtask bench` for the Python peers (Keras, PyTorch).

xtask starts one worker per workload: `python <framework>_bench.py --workload NAME [--corpus FILE]`.
The worker prepares data (same shapes as kerust's synthetic data, seeded) and the framework's
configurations for the workload (e.g. Keras with/without `jit_compile`; PyTorch with fused Adam
or `torch.compile`), answers `KERUST_BENCH {"ready": true, "configs": [...], "threads": {...}}`,
then for every `run CONFIG` line on stdin performs one repetition of that configuration and answers
`KERUST_BENCH {"seconds": steady, "cold_s": cold, "rss_mb": peak, "cpu_s": process CPU seconds,
"final_loss": loss, "check": {...}}` (or `{"error": why}`); `quit` ends it. `--probe` only reports
the framework versions (or which import is missing).

Training repetitions build a fresh model and fit `epochs + 1` epochs, timing each epoch's end:
`cold_s` is the fresh model's first `epochs` epochs from the `fit` call (tracing, compilation and
first touches included: what a user waits for), `seconds` the `epochs` epochs after the first
(steady state). Every side of the bench does the same.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

MARK = "KERUST_BENCH "

# Shapes shared with xtask/src/bench/workloads.rs.
TWEETS_TRAIN, TWEETS_VAL, TWEETS_LEN, TWEETS_VOCAB = 6851, 762, 15, 10_000
SST_TRAIN, SST_LEN, SST_VOCAB = 6920, 55, 4823
QUORA_TRAIN, QUORA_LEN, QUORA_WORDS, QUORA_MAX_FEATURES = 900, 20, 6000, 50_000


class Unavailable(Exception):
    """The workload has no equivalent in this framework."""


def emit(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def reset_peak():
    """Reset VmHWM to the current RSS (Linux clear_refs 5); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


# ---- synthetic data, the same shapes and distributions as xtask/src/bench/data.rs ----

def fortune500(rng):
    n, t = 502, 100
    walk = np.cumsum(0.1 * rng.standard_normal((n, t + 1)), axis=1)
    walk = (walk - walk.mean(axis=1, keepdims=True)) / np.maximum(walk.std(axis=1, keepdims=True), 1e-6)
    return walk[:, :t, None].astype(np.float32), walk[:, t:].astype(np.float32)


def ids(rng, n, length, vocab, min_len):
    """Post-padded ids in 1..vocab, row lengths uniform in min_len..=length."""
    out = np.zeros((n, length), dtype=np.int32)
    used = rng.integers(min_len, length + 1, size=n)
    for i, u in enumerate(used):
        out[i, :u] = rng.integers(1, vocab, size=u)
    return out


def quora_ids(rng, n):
    """Pre-padded (pad_sequences default) with value max_features + 1, as in the lecture."""
    out = np.full((n, QUORA_LEN), QUORA_MAX_FEATURES + 1, dtype=np.int32)
    used = rng.integers(4, QUORA_LEN + 1, size=n)
    for i, u in enumerate(used):
        out[i, QUORA_LEN - u:] = rng.integers(1, QUORA_WORDS, size=u)
    return out


def binary_labels(rng, n):
    return (rng.integers(0, 100, size=(n, 1)) < 43).astype(np.float32)


def class_labels(rng, n, classes):
    return rng.integers(0, classes, size=(n,)).astype(np.int64)


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def time_predict(call, n):
    """Seconds per call: one call for many samples; for one sample the mean over >= 0.5 s worth."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        el = time.perf_counter() - start
        if n > 1 or calls >= 1000 or (calls >= 5 and el >= 0.5):
            return el / calls


def predict_rep(build, call_of, n):
    """One predict repetition: a fresh model; `cold_s` its first call (tracing included),
    `seconds` the steady per-call time after it. `call_of(model)` is the zero-argument call."""
    def rep():
        model = build()
        call = call_of(model)
        t = time.perf_counter()
        call()
        cold = time.perf_counter() - t
        return {"seconds": time_predict(call, n), "cold_s": cold}

    return rep


def epoch_times(t0, ends, epochs):
    """(cold, steady) from the fit start and the epoch end times of an `epochs + 1`-epoch fit."""
    return ends[epochs - 1] - t0, ends[epochs] - ends[0]


def seq_sha(rows):
    """sha256 of the rows as `1,2,3` lines joined by newlines (xtask hashes kerust's the same way)."""
    return hashlib.sha256("\n".join(",".join(str(int(v)) for v in r) for r in rows).encode()).hexdigest()


def text_sha(words):
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()


def affinity():
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def serve(versions, prepare, threads):
    """Main loop. `versions()` returns a dict (raises ImportError if the framework is missing);
    `prepare(name, corpus_path)` returns `(configs, skipped)`: an ordered dict of configuration
    name -> zero-argument callable returning `{"seconds", "cold_s", ...}` for one repetition, and a
    dict of configuration name -> why it was not measured. `threads()` reports thread settings."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--workload")
    ap.add_argument("--corpus")
    args = ap.parse_args()
    try:
        v = versions()
    except ImportError as e:
        emit({"missing": getattr(e, "name", None) or str(e)})
        return
    if args.probe:
        emit({"versions": v})
        return
    try:
        configs, skipped = prepare(args.workload, args.corpus)
    except Unavailable as e:
        emit({"unavailable": str(e)})
        return
    except Exception as e:  # report, do not hang xtask
        emit({"error": f"{type(e).__name__}: {e}"})
        return
    th = threads()
    th["affinity"] = affinity()
    emit({"ready": True, "versions": v, "configs": list(configs), "skipped": skipped, "threads": th})
    for line in sys.stdin:
        cmd = line.split()
        if cmd == ["quit"]:
            break
        if len(cmd) != 2 or cmd[0] != "run":
            continue
        rep = configs.get(cmd[1])
        if rep is None:
            emit({"error": f"unknown configuration {cmd[1]}"})
            continue
        try:
            reset_peak()
            cpu0 = time.process_time()
            out = rep()
            out.update({"rss_mb": peak_mb(), "cpu_s": time.process_time() - cpu0})
            emit(out)
        except Exception as e:
            emit({"error": f"{type(e).__name__}: {str(e)[:2000]}"})
