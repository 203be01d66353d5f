"""Writes a Yelp-polarity-format CSV ("label","text", label 1 negative / 2 positive, newlines as
the two characters \\n) of about SIZE_MB megabytes, for measuring `lecture18_yelp --stream`
memory at several file sizes. The vocabulary is fixed (30,000 Zipf-distributed words plus
sentiment words), so files of different sizes differ only in length, not in distinct words.

Run:  /root/.cache/kerust/venv/bin/python tools/gen_yelp_csv.py OUT.csv SIZE_MB [SEED]
"""

import sys

import numpy as np

out, size_mb = sys.argv[1], float(sys.argv[2])
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
syl = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "be", "do", "fa", "gu", "ze", "vi"]
vocab = []
for i in range(30000):
    w, j = "", i + 14
    while j:
        w += syl[j % len(syl)]
        j //= len(syl)
    vocab.append(w)
vocab = np.array(vocab)
p = 1.0 / (np.arange(len(vocab)) + 10.0)
p /= p.sum()
good = np.array(["great", "delicious", "friendly", "amazing", "love", "best", "perfect"])
bad = np.array(["awful", "rude", "cold", "worst", "dirty", "slow", "never"])
target = int(size_mb * 1e6)
written = 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        labels = rng.integers(1, 3, size=1000)
        lengths = rng.integers(30, 250, size=1000)
        words = rng.choice(vocab, size=lengths.sum(), p=p)
        start = 0
        rows = []
        for lab, n in zip(labels, lengths):
            w = words[start : start + n].copy()
            start += n
            k = max(1, n // 12)
            pos = rng.integers(0, n, size=k)
            w[pos] = rng.choice(good if lab == 2 else bad, size=k)
            text = " ".join(w)
            cut = n // 2
            text = " ".join(w[:cut]) + ".\\n" + " ".join(w[cut:]) + "."
            rows.append(f'"{lab}","{text}"\n')
        chunk = "".join(rows)
        f.write(chunk)
        written += len(chunk.encode())
print(out, written)
