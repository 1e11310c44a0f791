#!/usr/bin/env python3
"""PyTorch reference for `cpo bench train`: GPT-2 124M training steps (forward, backward, AdamW) on
random tokens, fp32 on the CPU, same batch shape and FLOP count.

    python3 launch/compare/bench_torch_train.py --batch-size 4 --seq-len 64
"""
import argparse
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=4)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

config = GPT2Config(n_positions=1024, n_embd=768, n_layer=12, n_head=12, vocab_size=50257,
                    resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
model = GPT2LMHeadModel(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
tokens = torch.randint(0, 50257, (args.batch_size, args.seq_len + 1))


def step():
    optimizer.zero_grad(set_to_none=True)
    loss = model(tokens[:, :-1], labels=tokens[:, :-1]).loss
    loss.backward()
    optimizer.step()


step()
times = []
for _ in range(args.steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
median = statistics.median(times)
B, T, C, L, V = args.batch_size, args.seq_len, 768, 12, 50257
# Counted as `cpo bench train` counts: projections, LM head, causal attention (QK^T and PV).
forward = 2 * B * T * (L * 12 * C * C + V * C) + 4 * C * L * B * T * (T + 1) / 2
print(f"torch {torch.__version__}, {args.threads} threads: {median * 1000:.0f} ms/step, "
      f"{B * T / median:.0f} tokens/s, {3 * forward / median / 1e9:.1f} GFLOP/s")
