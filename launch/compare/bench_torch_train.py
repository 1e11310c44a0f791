#!/usr/bin/env python3
"""PyTorch reference for `cpo bench train`: training steps (forward, backward, AdamW) of a preset on
random tokens, fp32 on the CPU, same batch shape and FLOP count.

    python3 launch/compare/bench_torch_train.py --preset gpt2-124m --batch-size 4 --seq-len 64
    python3 launch/compare/bench_torch_train.py --preset smollm2-135m --batch-size 4 --seq-len 64
"""
import argparse
import statistics
import time

import torch
from presets import PRESETS, forward_flops, model_from_preset

parser = argparse.ArgumentParser()
parser.add_argument("--preset", choices=sorted(PRESETS), default="gpt2-124m")
parser.add_argument("--batch-size", type=int, default=4)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

model, config = model_from_preset(args.preset)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
tokens = torch.randint(0, config.vocab_size, (args.batch_size, args.seq_len))


def step():
    optimizer.zero_grad(set_to_none=True)
    loss = model(tokens, labels=tokens).loss
    loss.backward()
    optimizer.step()


step()
times = []
for _ in range(args.steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
median = statistics.median(times)
flops = 3 * forward_flops(config, args.batch_size, args.seq_len)
print(f"torch {torch.__version__}, {args.preset}, {args.threads} threads: {median * 1000:.0f} ms/step, "
      f"{args.batch_size * args.seq_len / median:.0f} tokens/s, {flops / median / 1e9:.1f} GFLOP/s")
