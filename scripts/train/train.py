#!/usr/bin/python3
"""Train the small GPT-2 shipped in weights/tiny-trained/ and write its files.

A plain GPT-2: learned token + position embeddings, pre-norm blocks (LayerNorm -> causal multi-head
self-attention -> residual, LayerNorm -> MLP with tanh GELU ("gelu_new") -> residual), final
LayerNorm, output projection tied to the token embedding. AdamW, linear warm-up then cosine decay.

Run with Debian's Python and PyTorch (python3-torch, python3-numpy), on the token files written by
scripts/train/tokenize-corpus.mjs:

    nice -n 19 /usr/bin/python3 scripts/train/train.py --data /tmp/gpt2-tiny-data --out weights/tiny-trained

Outputs (in --out):
    config.json         Hugging Face GPT-2 config
    model.safetensors   F16 weights, Hugging Face GPT-2 tensor names, Conv1D ([in, out]) layout, no lm_head
    reference.json      float64 reference computed from the F16 weights as saved: last-position logits and
                        20 greedy continuation ids for 3 prompts
    train-log.json      hyper-parameters, loss curve, final losses, timing, samples, attention statistics

Vocabulary trick (exact, not an approximation): the corpus uses only ~14k of GPT-2's 50257 tokens. All
tokens that never occur in the training split share one learned embedding row `u` during training, so
the output softmax is computed over the K seen tokens plus one "unseen" class whose logit is h.u + log(n_unseen)
(n_unseen identical rows). This is the same softmax as the full 50257-way one of the exported model, in
which every unseen token's row of wte is `u`, at a quarter of the cost. The export re-checks this by
evaluating the validation loss with a plain full-vocabulary forward of the saved F16 weights.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

# One thread: on a small shared CPU, OpenMP/OpenBLAS threads that wait for each other at every
# barrier were 3x slower than a single thread when other processes kept the cores busy.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn.functional as F

from seed_induction import seed_induction

VOCAB = 50257
EOT = 50256


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="/tmp/gpt2-tiny-data", help="dir with train.bin, val.bin, vocab.json, prompts.json")
    p.add_argument("--out", default="weights/tiny-trained")
    p.add_argument("--ckpt", default=None, help="checkpoint path (default: <data>/ckpt.pt)")
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--n-embd", type=int, default=128)
    p.add_argument("--n-positions", type=int, default=256)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--min-lr-frac", type=float, default=0.1)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--wpe-init", choices=["normal", "sinusoid"], default="normal",
                   help="sinusoid: sine/cosine table times --wpe-scale, still learned (alone, at scale 0.03, its "
                        "validation loss was worse at the same wall time); normal: N(0, 0.01)")
    p.add_argument("--wpe-scale", type=float, default=0.03,
                   help="amplitude of the sinusoid init (0.03: RMS 0.02 like the initial token rows)")
    p.add_argument("--wpe-max-freq", type=float, default=1.0,
                   help="highest angular frequency (radians per position) of the sinusoid init; the others "
                        "follow geometrically down to 1e-4 of it")
    p.add_argument("--prev-head-init", type=float, default=0.0,
                   help="if > 0 (needs --wpe-init sinusoid): start head 0 of layer 0 as a previous-token head, "
                        "with this weight on its query/key entries; training is free to change it")
    p.add_argument("--induction-frac", type=float, default=0.0,
                   help="fraction of each batch's rows made of a random token sequence repeated (an end-of-text "
                        "token, then R random training-vocabulary tokens, again and again); the loss of such a row "
                        "counts only the repeats, which only copying from the earlier occurrence can predict, so "
                        "induction heads form without teaching the model that tokens are uniformly likely")
    p.add_argument("--induction-len", type=int, nargs=2, default=[8, 100], metavar=("MIN", "MAX"),
                   help="range of the repeated sequence's length R (uniform, inclusive)")
    p.add_argument("--induction-pool", type=int, default=0, metavar="N",
                   help="draw the repeated sequences' tokens from the N most frequent training tokens (0: all of "
                        "them); a smaller pool shows each token's copy more often, so the mechanism is learned sooner")
    p.add_argument("--seed-induction", type=int, default=0, metavar="STEPS",
                   help="before training, train only the two heads of --seed-heads for STEPS steps on repeated rows "
                        "to attend to the previous token and to the induction position (seed_induction.py)")
    p.add_argument("--seed-heads", default="0.0,1.1", metavar="L.H,L.H",
                   help="the previous-token head and the induction head that --seed-induction trains")
    p.add_argument("--seed-lr", type=float, default=1e-2)
    p.add_argument("--init-from", default=None,
                   help="start from an exported model folder (its model.safetensors) instead of a random init, "
                        "e.g. the committed weights/tiny-trained; --wpe-init and --prev-head-init are then unused")
    p.add_argument("--init-ckpt", default=None,
                   help="start from a training checkpoint (--ckpt of an earlier run) instead of a random init")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--budget-minutes", type=float, default=0.0,
                   help="if > 0, the cosine schedule runs on wall time: progress = max(step/steps, elapsed/budget), "
                        "training ends when progress reaches 1 (robust to a shared, busy CPU)")
    p.add_argument("--max-minutes", type=float, default=45.0, help="hard stop after this wall time, keep the best checkpoint")
    p.add_argument("--keep-induction", type=float, default=0.0, metavar="MAX_VAL",
                   help="if > 0, keep the checkpoint with the highest best induction score among the evaluations "
                        "whose validation loss is at most MAX_VAL (the text must not get worse), instead of the one "
                        "with the lowest validation loss")
    p.add_argument("--keep-previous", type=float, default=0.0, metavar="MIN",
                   help="with --keep-induction, also require layer 0 head 0's previous-token score (on the "
                        "engine's default role input) to be at least MIN")
    p.add_argument("--export-only", action="store_true", help="skip training, export from --ckpt")
    p.add_argument("--bench", type=int, default=0, help="only time this many training steps and exit")
    return p.parse_args()


# ----------------------------------------------------------------------------------------------------
# Training model (compact vocabulary, float32)


class Block(torch.nn.Module):
    def __init__(self, C, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln_1 = torch.nn.LayerNorm(C, eps=1e-5)
        # Conv1D layout as in the Hugging Face GPT-2: y = x @ W + b with W [in, out].
        self.c_attn_w = torch.nn.Parameter(torch.randn(C, 3 * C) * 0.02)
        self.c_attn_b = torch.nn.Parameter(torch.zeros(3 * C))
        self.attn_proj_w = torch.nn.Parameter(torch.randn(C, C) * 0.02)
        self.attn_proj_b = torch.nn.Parameter(torch.zeros(C))
        self.ln_2 = torch.nn.LayerNorm(C, eps=1e-5)
        self.c_fc_w = torch.nn.Parameter(torch.randn(C, 4 * C) * 0.02)
        self.c_fc_b = torch.nn.Parameter(torch.zeros(4 * C))
        self.mlp_proj_w = torch.nn.Parameter(torch.randn(4 * C, C) * 0.02)
        self.mlp_proj_b = torch.nn.Parameter(torch.zeros(C))

    def forward(self, x, return_att=False):
        B, T, C = x.shape
        H = self.n_head
        qkv = torch.addmm(self.c_attn_b, self.ln_1(x).view(-1, C), self.c_attn_w).view(B, T, 3, H, C // H)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each [B, H, T, D]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B * T, C)
        x = x + torch.addmm(self.attn_proj_b, y, self.attn_proj_w).view(B, T, C)
        h = F.gelu(torch.addmm(self.c_fc_b, self.ln_2(x).view(-1, C), self.c_fc_w), approximate="tanh")
        x = x + torch.addmm(self.mlp_proj_b, h, self.mlp_proj_w).view(B, T, C)
        return (x, att) if return_att else x


class CompactGPT(torch.nn.Module):
    def __init__(self, n_seen, n_layer, n_head, n_embd, n_positions, wpe_init="normal", wpe_scale=0.03,
                 wpe_max_freq=1.0, prev_head_init=0.0):
        super().__init__()
        self.n_unseen = VOCAB - n_seen
        self.n_unseen_class = n_seen
        bias = torch.zeros(n_seen + 1)
        bias[-1] = math.log(self.n_unseen)
        self.register_buffer("unseen_bias", bias, persistent=False)
        # Rows 0..n_seen-1: the tokens of the training split; row n_seen: shared row of all other tokens.
        self.wte = torch.nn.Parameter(torch.randn(n_seen + 1, n_embd) * 0.02)
        if wpe_init == "sinusoid":
            # Learned like GPT-2's, but started from the sinusoids of "Attention is all you need"
            # (times wpe_scale; 0.03 gives RMS ~0.02 like the token rows): relative offsets are then a
            # linear map away (a rotation of each sin/cos pair), which --prev-head-init uses.
            pos = torch.arange(n_positions, dtype=torch.float32)[:, None]
            freq = wpe_max_freq * torch.exp(-math.log(10000.0) * torch.arange(0, n_embd, 2, dtype=torch.float32) / n_embd)
            wpe = torch.zeros(n_positions, n_embd)
            wpe[:, 0::2] = torch.sin(pos * freq)
            wpe[:, 1::2] = torch.cos(pos * freq)
            # Minus its mean over the positions: the slowest cosines are ~1 at every position, a constant
            # vector that would otherwise take a large share of every LayerNorm input.
            self.wpe = torch.nn.Parameter((wpe - wpe.mean(0)) * wpe_scale)
        else:
            self.wpe = torch.nn.Parameter(torch.randn(n_positions, n_embd) * 0.01)
        self.h = torch.nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = torch.nn.LayerNorm(n_embd, eps=1e-5)
        # GPT-2's scaled init of the residual projections.
        for b in self.h:
            for w in (b.attn_proj_w, b.mlp_proj_w):
                torch.nn.init.normal_(w, std=0.02 / math.sqrt(2 * n_layer))
        if prev_head_init > 0:
            # Seed layer 0, head 0 as a previous-token head: its query reads the sin/cos pairs of the
            # D/2 highest frequencies of wpe, its key the same pairs rotated by one position, so that
            # q_t . k_s ~ sum_i cos(w_i (t - 1 - s)), largest at s = t - 1. All weights stay trainable.
            assert wpe_init == "sinusoid", "--prev-head-init needs --wpe-init sinusoid"
            a, D, w = prev_head_init, n_embd // n_head, self.h[0].c_attn_w
            with torch.no_grad():
                for j in range(D // 2):
                    c, s = math.cos(float(freq[j])), math.sin(float(freq[j]))
                    w[2 * j, 2 * j], w[2 * j + 1, 2 * j + 1] = a, a  # query: (sin wt, cos wt)
                    w[2 * j, n_embd + 2 * j], w[2 * j + 1, n_embd + 2 * j] = a * c, a * s  # key: sin w(s+1)
                    w[2 * j, n_embd + 2 * j + 1], w[2 * j + 1, n_embd + 2 * j + 1] = -a * s, a * c  # cos w(s+1)

    def blocks(self, idx, return_att=False):
        """The residual stream after the last block for idx [B, T], and with return_att every layer's
        attention maps [B, H, T, T]."""
        x = self.wte[idx] + self.wpe[: idx.shape[1]]
        atts = []
        for b in self.h:
            x, a = b(x, return_att=True)
            atts.append(a)
        return (x, atts) if return_att else x

    def lm_head(self, x):
        # n_unseen identical rows -> one class with log(n_unseen) added to its logit: a constant bias,
        # added inside the matmul (an in-place add to the logits cost a full-size copy in backward).
        return F.linear(self.ln_f(x), self.wte, self.unseen_bias)

    def forward(self, idx, targets=None):
        logits = self.lm_head(self.blocks(idx))
        if targets is None:
            return logits
        # Targets of -100 (the unpredictable first copy of a repeated random row) are left out.
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
        # A target outside the training vocabulary (only in validation) is one specific token of the
        # n_unseen that share the class: its probability is the class's divided by n_unseen.
        counted = (targets != -100).float().sum().clamp_min(1)
        return loss + math.log(self.n_unseen) * (targets == self.n_unseen_class).float().sum() / counted

    @torch.no_grad()
    def attention(self, idx):
        """Attention maps of every layer for idx [B, T]: a list of [B, H, T, T]."""
        return self.blocks(idx, return_att=True)[1]


def repeated_rows(n, T, R_range, pool, bos, gen):
    """n rows of [bos, t1..tR, t1..tR, ...] (R uniform in R_range, t uniform over the ids in pool) as (x, y) [n, T];
    y is -100 up to the first token that the earlier copy predicts (the second occurrence of t2)."""
    xs, ys = [], []
    for _ in range(n):
        R = int(torch.randint(R_range[0], R_range[1] + 1, (1,), generator=gen))
        seg = pool[torch.randint(0, len(pool), (R,), generator=gen)]
        row = torch.cat([torch.tensor([bos]), seg.repeat(T // R + 2)])[: T + 1]
        y = row[1:].clone()
        # Position R holds tR's first occurrence; from position R + 1 on, the token after the earlier
        # occurrence of the current token is the answer.
        y[: R + 1] = -100
        xs.append(row[:T])
        ys.append(y)
    return torch.stack(xs), torch.stack(ys)


def role_input_pool(remap):
    """The ids the engine's default role input draws from (distinct GPT-2 ids 256..4999, src/inspect/head-roles.ts),
    as compact rows: the unseen ones among them are the shared row, as in the exported model."""
    return torch.from_numpy(remap[[i for i in range(256, 5000) if i != EOT]])


@torch.no_grad()
def role_scores(model, pool, bos, R=50, n_seq=8, seed=5):
    """Mean previous-token and induction attention per head, with the head-role definitions of the engine
    (issue 9) on n_seq inputs [bos, t1..tR, t1..tR], t drawn from the ids in pool: previous = mean over
    i >= 1 of A[i][i-1], induction = mean over i in R+1..2R of A[i][i-R+1]. Returns two [L][H] tensors."""
    gen = torch.Generator().manual_seed(seed)
    seg = torch.stack([pool[torch.randperm(len(pool), generator=gen)[:R]] for _ in range(n_seq)])
    idx = torch.cat([torch.full((n_seq, 1), bos), seg, seg], 1)
    was_training = model.training
    model.eval()
    atts = torch.stack(model.attention(idx))  # [L, B, H, n, n]
    model.train(was_training)
    n = 2 * R + 1
    i = torch.arange(1, n)
    prev = atts[:, :, :, i, i - 1].mean((1, 3))
    j = torch.arange(R + 1, 2 * R + 1)
    ind = atts[:, :, :, j, j - R + 1].mean((1, 3))
    return prev, ind


def load_exported(model, path, seen, n_layer):
    """Load an exported model.safetensors into the compact training model: the seen tokens' rows of wte,
    and the shared row of the unseen tokens (any unseen token's row: the export wrote them all equal)."""
    W = {k: torch.from_numpy(v.astype(np.float32)) for k, v in read_safetensors(path).items()}
    unseen = np.setdiff1d(np.arange(VOCAB), seen)
    sd = {"wte": torch.cat([W["wte.weight"][torch.from_numpy(seen)], W["wte.weight"][int(unseen[0])][None]]),
          "wpe": W["wpe.weight"], "ln_f.weight": W["ln_f.weight"], "ln_f.bias": W["ln_f.bias"]}
    names = {"ln_1.weight": "ln_1.weight", "ln_1.bias": "ln_1.bias", "c_attn_w": "attn.c_attn.weight",
             "c_attn_b": "attn.c_attn.bias", "attn_proj_w": "attn.c_proj.weight", "attn_proj_b": "attn.c_proj.bias",
             "ln_2.weight": "ln_2.weight", "ln_2.bias": "ln_2.bias", "c_fc_w": "mlp.c_fc.weight",
             "c_fc_b": "mlp.c_fc.bias", "mlp_proj_w": "mlp.c_proj.weight", "mlp_proj_b": "mlp.c_proj.bias"}
    for i in range(n_layer):
        for mine, hf in names.items():
            sd[f"h.{i}.{mine}"] = W[f"h.{i}.{hf}"]
    model.load_state_dict(sd)


# ----------------------------------------------------------------------------------------------------
# safetensors, written and read by hand


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, np.ndarray float16). Data in list order, little-endian."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr.astype("<f2"))
        b = arr.tobytes()
        header[name] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F16", info
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(data[base + s : base + e], dtype="<f2").reshape(info["shape"])
    return out


# ----------------------------------------------------------------------------------------------------
# Independent full-vocabulary forward of the saved weights (float64 by default)


def ref_forward(W, cfg, ids, want_att=False):
    """W: dict name -> torch tensor (HF names). ids: list of ints. Returns logits [T, V] (and attention)."""
    C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    D = C // H
    eps = cfg["layer_norm_epsilon"]
    T = len(ids)
    idx = torch.tensor(ids, dtype=torch.long)

    def ln(x, p):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * W[p + ".weight"] + W[p + ".bias"]

    def gelu_new(x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))

    x = W["wte.weight"][idx] + W["wpe.weight"][:T]
    atts = []
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(L):
        p = f"h.{i}."
        a = ln(x, p + "ln_1") @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = a[:, :C], a[:, C : 2 * C], a[:, 2 * C :]
        heads = []
        layer_att = []
        for hh in range(H):
            sl = slice(hh * D, (hh + 1) * D)
            s = (q[:, sl] @ k[:, sl].T) / math.sqrt(D)
            s = s.masked_fill(~causal, float("-inf"))
            s = s - s.max(-1, keepdim=True).values
            e = torch.exp(s)
            pr = e / e.sum(-1, keepdim=True)
            layer_att.append(pr)
            heads.append(pr @ v[:, sl])
        atts.append(torch.stack(layer_att))
        x = x + torch.cat(heads, -1) @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = gelu_new(ln(x, p + "ln_2") @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        x = x + m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
    x = ln(x, "ln_f")
    logits = x @ W["wte.weight"].T
    return (logits, atts) if want_att else logits


def sig6(x):
    return float(f"{x:.6g}")


# ----------------------------------------------------------------------------------------------------


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    ckpt_path = args.ckpt or os.path.join(args.data, "ckpt.pt")
    log = lambda *a: print(*a, flush=True)

    train = np.fromfile(os.path.join(args.data, "train.bin"), dtype="<u2").astype(np.int64)
    val = np.fromfile(os.path.join(args.data, "val.bin"), dtype="<u2").astype(np.int64)
    seen = np.unique(train)  # sorted token ids of the training split
    n_seen = len(seen)
    remap = np.full(VOCAB, n_seen, dtype=np.int64)  # unseen -> shared row
    remap[seen] = np.arange(n_seen)
    train_c = torch.from_numpy(remap[train])
    val_c = torch.from_numpy(remap[val])
    log(f"train {len(train)} tokens, val {len(val)} tokens, {n_seen} distinct training tokens")

    model = CompactGPT(n_seen, args.n_layer, args.n_head, args.n_embd, args.n_positions, args.wpe_init, args.wpe_scale,
                       args.wpe_max_freq, args.prev_head_init)
    if args.init_from:
        load_exported(model, os.path.join(args.init_from, "model.safetensors"), seen, args.n_layer)
        log(f"started from {args.init_from}")
    if args.init_ckpt:
        model.load_state_dict(torch.load(args.init_ckpt)["model"])
        log(f"started from checkpoint {args.init_ckpt}")
    bos = int(remap[EOT])
    role_pool = role_input_pool(remap)
    counts = np.bincount(train, minlength=VOCAB)[seen]
    by_freq = torch.from_numpy(np.argsort(-counts, kind="stable"))
    rep_pool = by_freq[: args.induction_pool] if args.induction_pool > 0 else torch.arange(n_seen)
    T = args.seq_len
    assert T <= args.n_positions

    # Validation: non-overlapping windows covering the whole split.
    nv = (len(val_c) - 1) // T
    vx = val_c[: nv * T].view(nv, T)
    vy = val_c[1 : nv * T + 1].view(nv, T)

    @torch.no_grad()
    def evaluate(xs, ys, bs=16):
        model.eval()
        tot, n = 0.0, 0
        for i in range(0, xs.shape[0], bs):
            tot += model(xs[i : i + bs], ys[i : i + bs]).item() * xs[i : i + bs].numel()
            n += xs[i : i + bs].numel()
        model.train()
        return tot / n

    # A fixed sample of training windows for the train-loss figure.
    g = torch.Generator().manual_seed(99)
    tstarts = torch.randint(0, len(train_c) - T - 1, (nv,), generator=g)
    tx = torch.stack([train_c[s : s + T] for s in tstarts])
    ty = torch.stack([train_c[s + 1 : s + T + 1] for s in tstarts])

    def make_repeated(n):
        """n repeated rows, half of them (rounded down) of the engine's role-input tokens, the rest of rep_pool."""
        a = repeated_rows(n - n // 2, T, args.induction_len, rep_pool, bos, rep_gen)
        if n // 2 == 0:
            return a
        b = repeated_rows(n // 2, T, args.induction_len, role_pool, bos, rep_gen)
        return torch.cat([a[0], b[0]]), torch.cat([a[1], b[1]])

    rep_gen = torch.Generator().manual_seed(args.seed + 1)
    history = []
    if args.seed_induction > 0 and not args.export_only:
        (lp, hp), (li, hi) = [tuple(int(v) for v in pair.split(".")) for pair in args.seed_heads.split(",")]
        t_seed = time.time()
        def make_text(n=max(1, args.batch // 2)):
            starts = torch.randint(0, len(train_c) - T - 1, (n,))
            return (torch.stack([train_c[s : s + T] for s in starts]),
                    torch.stack([train_c[s + 1 : s + T + 1] for s in starts]))

        # Each step: half a batch of repeated rows and half a batch of text.
        seed_induction(model, (lp, hp), (li, hi), args.seed_induction, args.seed_lr,
                       lambda: make_repeated(max(1, args.batch // 2)), make_text, bos, log)
        prev, ind = role_scores(model, role_pool, bos)
        vl = evaluate(vx, vy)
        log(f"== after seeding ({time.time() - t_seed:.0f} s): val {vl:.4f}, L{lp}H{hp} previous "
            f"{float(prev[lp, hp]):.3f}, L{li}H{hi} induction {float(ind[li, hi]):.3f}")
        history.append({"step": 0, "seeded": True, "val_loss": vl, "l0h0_previous": round(float(prev[0, 0]), 3),
                        "best_induction": round(float(ind.max()), 3)})
    if not args.export_only:
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and n != "wpe"]
        no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and n != "wpe")]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=args.lr,
            betas=(0.9, 0.95),
            eps=1e-8,
        )

        def progress(step, el):
            prog = (step - args.warmup) / max(1, args.steps - args.warmup)
            if args.budget_minutes > 0:
                prog = max(prog, el / (args.budget_minutes * 60))
            return min(1.0, max(0.0, prog))

        def lr_at(step, el=0.0):
            if step < args.warmup:
                return args.lr * (step + 1) / args.warmup
            prog = progress(step, el)
            return args.lr * (args.min_lr_frac + (1 - args.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * prog)))

        n_params = sum(p.numel() for p in model.parameters())
        log(f"compact trainable parameters: {n_params}")
        t0 = time.time()
        best = float("inf")
        smooth = None
        step = 0
        for step in range(args.steps):
            lr = lr_at(step, time.time() - t0)
            for gr in opt.param_groups:
                gr["lr"] = lr
            n_rep = round(args.batch * args.induction_frac)
            starts = torch.randint(0, len(train_c) - T - 1, (args.batch - n_rep,))
            x = torch.stack([train_c[s : s + T] for s in starts])
            y = torch.stack([train_c[s + 1 : s + T + 1] for s in starts])
            if n_rep:
                rx, ry = make_repeated(n_rep)
                x, y = torch.cat([x, rx]), torch.cat([y, ry])
            loss = model(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            opt.step()
            smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
            el = time.time() - t0
            if args.bench and step + 1 >= args.bench:
                tok = (step + 1) * args.batch * T
                log(f"bench: {step + 1} steps in {el:.1f}s = {el / (step + 1):.3f} s/step, {tok / el:.0f} tokens/s")
                return
            if step % 10 == 0:
                log(f"step {step} loss {loss.item():.4f} smooth {smooth:.4f} lr {lr:.2e} {el:.0f}s")
            last = step == args.steps - 1 or el > args.max_minutes * 60 or (
                step >= args.warmup and progress(step, el) >= 1.0)
            if (step + 1) % args.eval_every == 0 or last:
                vl = evaluate(vx, vy)
                trl = evaluate(tx, ty)
                prev, ind = role_scores(model, role_pool, bos)
                history.append({"step": step + 1, "train_loss": trl, "val_loss": vl, "seconds": round(el, 1),
                                "l0h0_previous": round(float(prev[0, 0]), 3),
                                "best_induction": round(float(ind.max()), 3)})
                log(f"== eval step {step + 1}: train {trl:.4f} val {vl:.4f} ({el / 60:.1f} min), L0H0 previous "
                    f"{float(prev[0, 0]):.3f}, induction by layer {[round(float(v), 3) for v in ind.max(1).values]}")
                # What "better" means: the lowest validation loss, or with --keep-induction the strongest
                # induction head among the checkpoints whose text is no worse than MAX_VAL.
                keep = vl <= args.keep_induction and float(prev[0, 0]) >= args.keep_previous
                score = vl if args.keep_induction <= 0 else (-float(ind.max()) if keep else float("inf"))
                if score < best:
                    best = score
                    torch.save({"model": model.state_dict(), "seen": seen, "args": vars(args), "history": history,
                                "step": step + 1, "seconds": el, "unseen_target_fix": True}, ckpt_path)
                    log(f"   saved {ckpt_path}")
            if last:
                if el > args.max_minutes * 60:
                    log(f"time budget reached at step {step + 1}")
                break

        if best == float("inf"):
            # No evaluation met --keep-induction / --keep-previous: keep the last state to continue from.
            last_path = ckpt_path + ".last"
            torch.save({"model": model.state_dict(), "seen": seen, "args": vars(args), "history": history,
                        "step": step + 1, "seconds": time.time() - t0, "unseen_target_fix": True}, last_path)
            log(f"no evaluation met --keep-induction/--keep-previous, nothing exported; the last state is in "
                f"{last_path} (continue with --init-ckpt {last_path})")
            return

    ck = torch.load(ckpt_path)
    model.load_state_dict(ck["model"])
    seen = ck["seen"]
    history = ck["history"] if args.export_only else history
    if not ck.get("unseen_target_fix"):
        # Checkpoints of the first version of this script left out the log(n_unseen) term for validation
        # targets outside the training vocabulary; the term is a constant for the fixed validation windows.
        fix = math.log(model.n_unseen) * (vy == model.n_unseen_class).float().mean().item()
        history = [dict(h, val_loss=h["val_loss"] + fix) for h in history]
        log(f"corrected the checkpoint's validation history by +{fix:.4f}")
    train_seconds = ck["seconds"]
    log(f"exporting checkpoint from step {ck['step']}")
    export(args, model, seen, history, ck, train_seconds, evaluate, (vx, vy), (tx, ty), val)


def export(args, model, seen, history, ck, train_seconds, evaluate, vset, tset, val_tokens):
    log = lambda *a: print(*a, flush=True)
    os.makedirs(args.out, exist_ok=True)
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    C = args.n_embd
    n_seen = len(seen)
    wte = sd["wte"][n_seen].repeat(VOCAB, 1)  # every unseen token: the shared row
    wte[torch.from_numpy(seen)] = sd["wte"][:n_seen]

    tensors = [("wte.weight", wte), ("wpe.weight", sd["wpe"])]
    for i in range(args.n_layer):
        p = f"h.{i}."
        tensors += [
            (p + "ln_1.weight", sd[p + "ln_1.weight"]),
            (p + "ln_1.bias", sd[p + "ln_1.bias"]),
            (p + "attn.c_attn.weight", sd[p + "c_attn_w"]),
            (p + "attn.c_attn.bias", sd[p + "c_attn_b"]),
            (p + "attn.c_proj.weight", sd[p + "attn_proj_w"]),
            (p + "attn.c_proj.bias", sd[p + "attn_proj_b"]),
            (p + "ln_2.weight", sd[p + "ln_2.weight"]),
            (p + "ln_2.bias", sd[p + "ln_2.bias"]),
            (p + "mlp.c_fc.weight", sd[p + "c_fc_w"]),
            (p + "mlp.c_fc.bias", sd[p + "c_fc_b"]),
            (p + "mlp.c_proj.weight", sd[p + "mlp_proj_w"]),
            (p + "mlp.c_proj.bias", sd[p + "mlp_proj_b"]),
        ]
    tensors += [("ln_f.weight", sd["ln_f.weight"]), ("ln_f.bias", sd["ln_f.bias"])]
    assert all(np.isfinite(t.numpy()).all() for _, t in tensors)
    assert all(t.abs().max().item() < 65504 for _, t in tensors), "value out of F16 range"
    st_path = os.path.join(args.out, "model.safetensors")
    write_safetensors(st_path, [(n, t.numpy().astype(np.float16)) for n, t in tensors], {"format": "pt"})
    n_params = sum(t.numel() for _, t in tensors)
    log(f"wrote {st_path}: {os.path.getsize(st_path)} bytes, {n_params} parameters")

    cfg = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0,
        "bos_token_id": EOT,
        "embd_pdrop": 0.0,
        "eos_token_id": EOT,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": args.n_positions,
        "n_embd": C,
        "n_head": args.n_head,
        "n_inner": None,
        "n_layer": args.n_layer,
        "n_positions": args.n_positions,
        "resid_pdrop": 0.0,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "tie_word_embeddings": True,
        "torch_dtype": "float16",
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")

    # ---- Everything below uses the file as saved: F16 values read back, widened to float64.
    W64 = {k: torch.from_numpy(v.astype(np.float64)) for k, v in read_safetensors(st_path).items()}
    assert set(W64) == {n for n, _ in tensors}
    with open(os.path.join(args.data, "vocab.json")) as f:
        vocab = [bytes.fromhex(h) for h in json.load(f)["bytes_hex"]]
    decode = lambda ids: b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
    with open(os.path.join(args.data, "prompts.json")) as f:
        prompts = json.load(f)["prompts"]

    ref = {
        "description": "float64 reference forward of model.safetensors (F16 values widened to float64); "
        "logits_last: logits at the last prompt position over all 50257 tokens, 6 significant digits; "
        "greedy: 20 argmax continuation ids, recomputing the full sequence each step.",
        "model": "weights/tiny-trained",
        "prompts": [],
    }
    for pr in prompts:
        ids = list(pr["ids"])
        with torch.no_grad():
            logits = ref_forward(W64, cfg, ids)
            last = logits[-1]
            greedy = []
            margins = []  # top-1 minus top-2 logit at each greedy step: how robust argmax is to rounding
            seq = list(ids)
            for _ in range(20):
                lg = ref_forward(W64, cfg, seq)[-1]
                top2 = torch.topk(lg, 2).values
                margins.append(float(top2[0] - top2[1]))
                nxt = int(torch.argmax(lg).item())
                greedy.append(nxt)
                seq.append(nxt)
        srt = torch.sort(last, descending=True).values
        ref["prompts"].append({
            "text": pr["text"],
            "ids": ids,
            "logits_last": [sig6(v) for v in last.tolist()],
            "greedy": greedy,
            "greedy_text": decode(greedy),
            "top1_margin": float(srt[0] - srt[1]),
            "greedy_min_margin": min(margins),
        })
        log(f"prompt {pr['text'][:40]!r} -> {decode(greedy)!r} (top-1 margin {float(srt[0] - srt[1]):.4f}, smallest greedy margin {min(margins):.4f})")
    ref_path = os.path.join(args.out, "reference.json")
    with open(ref_path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    log(f"wrote {ref_path}: {os.path.getsize(ref_path)} bytes")

    # ---- Losses of the exported (F16) model with the plain full-vocabulary forward (float32 for speed).
    W32 = {k: v.float() for k, v in W64.items()}
    T = args.seq_len

    def full_loss(tokens, n_windows, seed):
        rng = np.random.default_rng(seed)
        tot, n = 0.0, 0
        starts = rng.integers(0, len(tokens) - T - 1, n_windows) if seed is not None else range(0, n_windows * T, T)
        for s in starts:
            x = tokens[s : s + T].tolist()
            y = torch.from_numpy(tokens[s + 1 : s + T + 1])
            with torch.no_grad():
                lg = ref_forward(W32, cfg, x)
            tot += F.cross_entropy(lg, y, reduction="sum").item()
            n += T
        return tot / n

    nv = (len(val_tokens) - 1) // T
    val_full = full_loss(val_tokens, nv, None)
    compact_val = evaluate(*vset)
    compact_train = evaluate(*tset)
    log(f"val loss: full-vocab F16 export {val_full:.4f}, compact float32 training model {compact_val:.4f}")

    # ---- Attention statistics: mean attention on the previous token / on position 0, per layer and head.
    att_stats = []
    rng = np.random.default_rng(7)
    sums = None
    nwin = 8
    for s in rng.integers(0, len(val_tokens) - T - 1, nwin):
        with torch.no_grad():
            _, atts = ref_forward(W32, cfg, val_tokens[s : s + T].tolist(), want_att=True)
        rows = []
        for a in atts:  # [H, T, T]
            prev = torch.diagonal(a, offset=-1, dim1=1, dim2=2)[:, 1:].mean(-1)  # query t>=2 attends t-1
            first = a[:, 1:, 0].mean(-1)
            self_ = torch.diagonal(a, dim1=1, dim2=2)[:, 1:].mean(-1)
            ent = -(a * a.clamp_min(1e-30).log()).sum(-1)[:, 64:].mean(-1)  # queries 64.. (nats)
            rows.append(torch.stack([prev, first, self_, ent], -1))
        st = torch.stack(rows)  # [L, H, 3]
        sums = st if sums is None else sums + st
    sums = sums / nwin
    # Induction: on the engine's default role input (role_scores), not on text.
    remap = np.full(VOCAB, n_seen, dtype=np.int64)
    remap[seen] = np.arange(n_seen)
    _, ind = role_scores(model, role_input_pool(remap), int(remap[EOT]))
    for l in range(args.n_layer):
        for h in range(args.n_head):
            att_stats.append({"layer": l, "head": h, "prev_token": round(float(sums[l, h, 0]), 3),
                              "first_token": round(float(sums[l, h, 1]), 3), "self": round(float(sums[l, h, 2]), 3),
                              "entropy_nats": round(float(sums[l, h, 3]), 2),
                              "induction_repeated_random": round(float(ind[l, h]), 3)})
    for a in att_stats:
        log(f"  L{a['layer']}H{a['head']}: prev {a['prev_token']:.3f} first {a['first_token']:.3f} self {a['self']:.3f}"
            f" entropy {a['entropy_nats']:.2f} induction {a['induction_repeated_random']:.3f}")
    # A uniform causal head over queries 64..T-1 would have entropy mean(log(t+1)).
    uniform_entropy = float(np.mean(np.log(np.arange(64, T) + 1)))
    log(f"  (uniform attention: entropy {uniform_entropy:.2f}, prev {float(np.mean(1 / (np.arange(1, T) + 1))):.3f})")

    # ---- Samples (temperature 0.8, top-k 40) from the exported weights.
    gen = torch.Generator().manual_seed(2024)
    samples = []
    for text_ids, label in [(prompts[0]["ids"], prompts[0]["text"]), (prompts[1]["ids"], prompts[1]["text"]),
                            ([EOT], "<|endoftext|>")]:
        seq = list(text_ids)
        for _ in range(60):
            with torch.no_grad():
                lg = ref_forward(W32, cfg, seq[-args.n_positions:])[-1] / 0.8
            v, ix = torch.topk(lg, 40)
            nxt = int(ix[torch.multinomial(torch.softmax(v, -1), 1, generator=gen)].item())
            seq.append(nxt)
        samples.append({"prompt": label, "continuation": decode(seq[len(text_ids):])})
        log(f"sample [{label}]: {samples[-1]['continuation']!r}")

    info = {
        "args": ck["args"],
        "export_step": ck["step"],
        "train_seconds": round(train_seconds, 1),
        "history": history,
        "final": {
            "train_loss_compact_fp32": compact_train,
            "val_loss_compact_fp32": compact_val,
            "val_loss_full_vocab_f16_export": val_full,
            "val_perplexity": math.exp(val_full),
        },
        "parameters": n_params,
        "distinct_training_tokens": int(len(seen)),
        "safetensors_bytes": os.path.getsize(st_path),
        "attention": att_stats,
        "attention_uniform_entropy_nats": round(uniform_entropy, 2),
        "samples": samples,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    with open(os.path.join(args.out, "train-log.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    log("done")


if __name__ == "__main__":
    main()
