"""PyTorch's side of `cargo xtask gpu-check`: cuDNN nn.LSTM / nn.GRU forward+backward at the
tweets shapes, forward over the validation rows, and a full tweets-LSTM training (Embedding(10000,
128) + LSTM(64) + Linear(1), fused Adam, 5 epochs of 215 batches) on the GPU. Prints one line
`KERUST_GPU_CHECK {json}`; exits 2 with a reason when torch or CUDA is missing.

Arguments: batch steps features units train_iters predict_rows.
"""
import json
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print("torch is not installed in this Python", file=sys.stderr)
    sys.exit(2)
if not torch.cuda.is_available():
    print("torch sees no CUDA device", file=sys.stderr)
    sys.exit(2)

batch, steps, features, units, iters, predict_rows = (int(a) for a in sys.argv[1:7])
dev = torch.device("cuda")
torch.backends.cudnn.benchmark = True


def time_rnn(cls, rows, n, backward):
    torch.manual_seed(0)
    rnn = cls(features, units, batch_first=True).to(dev)
    x = torch.rand(rows, steps, features, device=dev, requires_grad=backward)

    def once():
        out, _ = rnn(x)
        if backward:
            out[:, -1].sum().backward()

    once()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(n):
        if backward:
            with torch.enable_grad():
                once()
        else:
            with torch.no_grad():
                once()
    torch.cuda.synchronize()
    return time.perf_counter() - t


def train_tweets_lstm(epochs=5, vocab=10000):
    torch.manual_seed(0)
    n = batch * (iters // epochs)
    ids = torch.randint(1, vocab, (n, steps), device=dev)
    y = (torch.rand(n, 1, device=dev) < 0.43).float()

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, features)
            self.rnn = nn.LSTM(features, units, batch_first=True)
            self.out = nn.Linear(units, 1)

        def forward(self, t):
            h, _ = self.rnn(self.emb(t))
            return self.out(h[:, -1])

    model = M().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=True)
    loss_fn = nn.BCEWithLogitsLoss()
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, device=dev)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(ids[idx]), y[idx])
            loss.backward()
            opt.step()
    torch.cuda.synchronize()
    return time.perf_counter() - t


result = {
    "torch": torch.__version__,
    "device": torch.cuda.get_device_name(0),
    "lstm64_fwd_bwd_5ep_s": time_rnn(nn.LSTM, batch, iters, True),
    "gru64_fwd_bwd_5ep_s": time_rnn(nn.GRU, batch, iters, True),
    "lstm64_predict_s": time_rnn(nn.LSTM, predict_rows, 1, False),
    "tweets_lstm64_train_5ep_s": train_tweets_lstm(),
}
print("KERUST_GPU_CHECK " + json.dumps(result))
