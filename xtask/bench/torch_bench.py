"""PyTorch (CPU) side of `cargo xtask bench`: the same models as the Keras workloads, written the
way a PyTorch user would (nn.LSTM/GRU/RNN with batch_first, a plain training loop with Adam,
shuffled mini-batches, loss and accuracy tracked per batch like Keras's fit), each in the
configurations such a user could pick, all measured in the same run (xtask reports the fastest as
`torch_s` and all of them under `peer_configs`):

* training: `adam` (torch.optim.Adam's default foreach implementation), `adam_fused`
  (`Adam(fused=True)`, one fused kernel per step on CPU) and `compile_fused` (`torch.compile(model)`,
  mode default, with fused Adam; a failure, e.g. no C++ compiler for inductor, is reported as that
  configuration's error and the others still count);
* predict: `batched32` (`no_grad`, batches of 32 one after another, like predict()) and
  `inference_mode` (`torch.inference_mode()`, the whole input in one call: intra-op threads
  parallelise the batch, as kerust's predict parallelises batches).

Protocol, data and the cold/steady split: see bench_common.py. The text pipelines have no PyTorch
equivalent."""
import time

import numpy as np

import bench_common as c

TRAIN_CONFIGS = {
    "adam": {"fused": False, "compile": False},
    "adam_fused": {"fused": True, "compile": False},
    "compile_fused": {"fused": True, "compile": True},
}


def versions():
    import torch

    return {"torch": torch.__version__}


def threads():
    import torch

    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


def keras_embedding(rows, dim):
    """nn.Embedding with Keras's default initializer (uniform in [-0.05, 0.05]) rather than torch's
    N(0, 1): the same model as the other sides, so the final losses compare (with N(0, 1) the Quora
    l2 penalty on the 6.4 M-weight table alone is ~640)."""
    from torch import nn

    emb = nn.Embedding(rows, dim)
    nn.init.uniform_(emb.weight, -0.05, 0.05)
    return emb


def train_configs(build, xs, y, epochs, batch, loss_kind, classify=True):
    """Every configuration's repetition: a fresh model, `epochs + 1` shuffled epochs of Adam steps."""
    import torch

    xs = [torch.from_numpy(np.ascontiguousarray(a)).long() if a.dtype.kind == "i" else torch.from_numpy(a)
          for a in xs]
    yt = torch.from_numpy(y)
    if loss_kind == "sparse_ce":
        yt = yt.long()
    n = yt.shape[0]

    def rep_of(cfg):
        def rep():
            torch.manual_seed(0)
            model, penalty = build()
            opt = torch.optim.Adam(model.parameters(), lr=model.lr, eps=1e-7, fused=cfg["fused"] or None)
            fwd = torch.compile(model) if cfg["compile"] else model
            lossf = {"mse": torch.nn.MSELoss(), "bce": torch.nn.BCELoss(),
                     "sparse_ce": torch.nn.CrossEntropyLoss()}[loss_kind]
            t0 = time.perf_counter()
            ends = []
            model.train()
            for _ in range(epochs + 1):
                perm = torch.randperm(n)
                seen, loss_sum, correct = 0, 0.0, 0.0
                for i in range(0, n, batch):
                    idx = perm[i:i + batch]
                    out = fwd(*[a[idx] for a in xs])
                    yb = yt[idx]
                    loss = lossf(out, yb)
                    if penalty is not None:
                        loss = loss + penalty()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    seen += len(idx)
                    loss_sum += loss.item() * len(idx)
                    if classify:
                        with torch.no_grad():
                            if loss_kind == "sparse_ce":
                                correct += (out.argmax(1) == yb).sum().item()
                            else:
                                correct += ((out > 0.5).float() == yb).sum().item()
                ends.append(time.perf_counter())
            cold, steady = c.epoch_times(t0, ends, epochs)
            return {"seconds": steady, "cold_s": cold, "final_loss": loss_sum / max(seen, 1)}

        return rep

    return {name: rep_of(cfg) for name, cfg in TRAIN_CONFIGS.items()}, {}


def fortune500(stacked, epochs):
    import torch
    from torch import nn

    x, y = c.fortune500(np.random.default_rng(500))

    class Net(nn.Module):
        lr = 0.01

        def __init__(self):
            super().__init__()
            sizes = [1, 10, 5, 1] if stacked else [1, 1]
            self.rnns = nn.ModuleList(nn.RNN(a, b, batch_first=True) for a, b in zip(sizes, sizes[1:]))

        def forward(self, x):
            for r in self.rnns:
                x, _ = r(x)
            return x[:, -1, :]

    return train_configs(lambda: (Net(), None), [x], y, epochs, 32, "mse", classify=False)


class TweetsNet:
    """Embedding(10000, 128) + head + Dense(1, sigmoid)."""

    @staticmethod
    def build(head):
        import torch
        from torch import nn

        class Net(nn.Module):
            lr = 0.001

            def __init__(self):
                super().__init__()
                self.emb = keras_embedding(c.TWEETS_VOCAB, 128)
                if head in ("lstm", "bilstm"):
                    self.rnn = nn.LSTM(128, 64, batch_first=True, bidirectional=head == "bilstm")
                    width = 128 if head == "bilstm" else 64
                elif head == "gru":
                    self.rnn = nn.GRU(128, 64, batch_first=True)
                    width = 64
                elif head == "conv1d":
                    self.conv = nn.Conv1d(128, 32, 5)
                    width = 32
                else:
                    width = 128
                self.out = nn.Linear(width, 1)

            def forward(self, ids):
                e = self.emb(ids)
                if head in ("lstm", "gru"):
                    _, h = self.rnn(e)
                    h = h[0] if head == "lstm" else h
                    v = h[-1]
                elif head == "bilstm":
                    _, (h, _) = self.rnn(e)
                    v = torch.cat([h[-2], h[-1]], dim=1)
                elif head == "conv1d":
                    v = torch.relu(self.conv(e.transpose(1, 2))).amax(dim=2)
                else:
                    v = e.mean(dim=1)
                return torch.sigmoid(self.out(v))

        return Net()


def tweets_fit(head):
    rng = np.random.default_rng(900)
    x = c.ids(rng, c.TWEETS_TRAIN, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)
    y = c.binary_labels(rng, c.TWEETS_TRAIN)
    return train_configs(lambda: (TweetsNet.build(head), None), [x], y, 5, 32, "bce")


def sst():
    from torch import nn

    rng = np.random.default_rng(902)
    x = c.ids(rng, c.SST_TRAIN, c.SST_LEN, c.SST_VOCAB, 3)
    y = c.class_labels(rng, c.SST_TRAIN, 2)

    class Net(nn.Module):
        lr = 0.001

        def __init__(self):
            super().__init__()
            self.emb = keras_embedding(c.SST_VOCAB, 32)
            self.rnn = nn.LSTM(32, 32, batch_first=True)
            self.out = nn.Linear(32, 2)  # logits; CrossEntropyLoss = softmax + sparse CE

        def forward(self, ids):
            _, (h, _) = self.rnn(self.emb(ids))
            return self.out(h[-1])

    return train_configs(lambda: (Net(), None), [x], y, 6, 150, "sparse_ce")


def quora():
    import torch
    from torch import nn

    rng = np.random.default_rng(903)
    q1, q2 = c.quora_ids(rng, c.QUORA_TRAIN), c.quora_ids(rng, c.QUORA_TRAIN)
    y = c.binary_labels(rng, c.QUORA_TRAIN)

    class Net(nn.Module):
        lr = 0.001

        def __init__(self):
            super().__init__()
            self.emb = keras_embedding(c.QUORA_MAX_FEATURES + 2, 128)
            self.rnn = nn.LSTM(128, 128, batch_first=True)
            self.out = nn.Linear(1, 1)

        def encode(self, ids):
            _, (h, _) = self.rnn(self.emb(ids))
            return h[-1]

        def forward(self, a, b):
            dot = (self.encode(a) * self.encode(b)).sum(dim=1, keepdim=True)
            return torch.sigmoid(self.out(dot))

    def build():
        m = Net()
        # Keras l2(1e-4) on the embedding and the LSTM kernel, added to the loss.
        return m, lambda: 1e-4 * (m.emb.weight.pow(2).sum() + m.rnn.weight_ih_l0.pow(2).sum())

    return train_configs(build, [q1, q2], y, 1, 64, "bce")


def tweets_predict(n):
    import torch

    rng = np.random.default_rng(901)
    x = torch.from_numpy(c.ids(rng, n, c.TWEETS_LEN, c.TWEETS_VOCAB, 3)).long()

    def build():
        model = TweetsNet.build("lstm")
        model.eval()
        return model

    def batched(model):
        def predict():
            # Batches of 32 one after another, like Keras's and kerust's predict default.
            with torch.no_grad():
                return torch.cat([model(x[i:i + 32]) for i in range(0, n, 32)]).numpy()
        return predict

    def whole(model):
        def predict():
            with torch.inference_mode():
                return model(x).numpy()
        return predict

    configs = {
        "batched32": c.predict_rep(build, batched, n),
        "inference_mode": c.predict_rep(build, whole, n),
    }
    return configs, {}


def prepare(name, corpus):
    table = {
        "fortune500_simplernn1_50ep": lambda: fortune500(False, 50),
        "fortune500_stacked_30ep": lambda: fortune500(True, 30),
        "tweets_lstm64_5ep": lambda: tweets_fit("lstm"),
        "tweets_gru64_5ep": lambda: tweets_fit("gru"),
        "tweets_bilstm64_5ep": lambda: tweets_fit("bilstm"),
        "tweets_conv1d32_5ep": lambda: tweets_fit("conv1d"),
        "tweets_dense_gap_5ep": lambda: tweets_fit("gap"),
        "sst_lstm32_6ep": sst,
        "quora_siamese_1ep": quora,
        "tweets_lstm64_predict762": lambda: tweets_predict(c.TWEETS_VAL),
        "tweets_lstm64_predict1": lambda: tweets_predict(1),
    }
    if name in ("tokenizer_137k", "textvectorization_137k"):
        raise c.Unavailable("no PyTorch text-pipeline equivalent")
    if name not in table:
        raise c.Unavailable(f"unknown workload {name}")
    return table[name]()


if __name__ == "__main__":
    c.serve(versions, prepare, threads)
