"""Seeding an induction circuit in a trained model before training it further (train.py --seed-induction).

An induction head needs two heads to work together: a previous-token head in an earlier layer that writes
"the token before me" into each position, and a head in a later layer whose key reads that while its query
reads the current token, so that it attends to the token after an earlier occurrence of the current one and
copies it. Trained from a text model with batches of repeated random sequences, the pair did not form here in
three attempts (weights/README.md): neither half helps the loss until the other exists. This phase trains
only the two heads' own weights (their q, k, v columns and c_proj rows; everything else frozen) on repeated
random rows, with the language-model loss on the repeats plus two attention targets that break the deadlock:
the first head's attention on the previous token, the second's on the induction position (the token after
the most recent earlier occurrence of the current token). Training of the whole model afterwards is free to
change or undo any of it.
"""

import torch
import torch.nn.functional as F


def head_slices(C, n_head, h):
    """Column indices of head h's q, k, v in c_attn_w [C, 3C], and its rows of attn_proj_w [C, C]."""
    D = C // n_head
    cols = torch.cat([torch.arange(part * C + h * D, part * C + (h + 1) * D) for part in range(3)])
    rows = torch.arange(h * D, (h + 1) * D)
    return cols, rows


def forward_with_attention(model, idx):
    """Logits and every layer's attention maps, with gradients."""
    x, atts = model.blocks(idx, return_att=True)
    return model.lm_head(x), atts


def induction_targets(idx, bos, shared):
    """For rows [bos, s, s, s, ...] (s of length R): the position each query should attend to as an induction
    head (the token after the most recent earlier occurrence of its token), or -1 where there is none or where
    the token is `shared` (the one row of all tokens unseen in training: its earlier occurrences are many)."""
    B, T = idx.shape
    tgt = torch.full((B, T), -1, dtype=torch.long)
    for b in range(B):
        last = {}
        row = idx[b].tolist()
        for i, t in enumerate(row):
            if t != bos and t != shared and t in last and last[t] + 1 < i:
                tgt[b, i] = last[t] + 1
            last[t] = i
    return tgt


def seed_induction(model, prev_head, ind_head, steps, lr, make_rows, make_text, bos, log):
    """Train the heads prev_head = (layer, head) and ind_head = (layer, head) for `steps` steps: on rows from
    make_rows() -> (x, y) (repeated random sequences, y = -100 where not predictable) their attention on the
    previous token and on the induction position and the loss on the repeats, and on rows from make_text()
    the loss on text, so that the text the model already predicts does not pay for the new circuit."""
    (lp, hp), (li, hi) = prev_head, ind_head
    assert lp < li, "the previous-token head must come before the induction head"
    C, H = model.wte.shape[1], model.h[0].n_head
    params, masks = [], []
    for layer, h in ((lp, hp), (li, hi)):
        cols, rows = head_slices(C, H, h)
        blk = model.h[layer]
        for p, mask_idx, dim in ((blk.c_attn_w, cols, 1), (blk.c_attn_b, cols, 0), (blk.attn_proj_w, rows, 0)):
            m = torch.zeros_like(p)
            m.index_fill_(dim, mask_idx, 1.0)
            params.append(p)
            masks.append(m)
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.95))
    frozen = [p for p in model.parameters() if all(p is not q for q in params)]
    for p in frozen:
        p.requires_grad_(False)
    try:
        for step in range(steps):
            x, y = make_rows()
            logits, atts = forward_with_attention(model, x)
            lm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
            text = model(*make_text())
            T = x.shape[1]
            i = torch.arange(1, T)
            prev_att = atts[lp][:, hp, i, i - 1].clamp_min(1e-9).log().mean()
            tgt = induction_targets(x, bos, model.wte.shape[0] - 1)
            b_idx, q_idx = (tgt >= 0).nonzero(as_tuple=True)
            ind_att = atts[li][b_idx, hi, q_idx, tgt[b_idx, q_idx]].clamp_min(1e-9).log().mean()
            loss = text + lm - (prev_att + ind_att)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            for p, m in zip(params, masks):
                p.grad.mul_(m)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            if step % 10 == 0 or step == steps - 1:
                log(f"seed {step}: text loss {text.item():.3f}, repeats loss {lm.item():.3f}, previous-token attention "
                    f"{prev_att.exp().item():.3f}, induction attention {ind_att.exp().item():.3f} (geometric means)")
    finally:
        for p in frozen:
            p.requires_grad_(True)
