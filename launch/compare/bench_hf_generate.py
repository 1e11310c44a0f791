#!/usr/bin/env python3
"""Hugging Face reference for `cpo bench generate`: `model.generate` of a preset with random
weights, fp32 on the CPU, greedy, a KV cache, `--new-tokens` tokens for every row (no early stop).

    python3 launch/compare/bench_hf_generate.py --preset smollm2-135m --batch-size 16 --prompt-len 32 --new-tokens 64
"""
import argparse
import statistics
import time

import torch
from presets import PRESETS, model_from_preset

parser = argparse.ArgumentParser()
parser.add_argument("--preset", choices=sorted(PRESETS), default="gpt2-124m")
parser.add_argument("--batch-size", type=int, default=16)
parser.add_argument("--prompt-len", type=int, default=32)
parser.add_argument("--new-tokens", type=int, default=64)
parser.add_argument("--repeats", type=int, default=3)
parser.add_argument("--threads", type=int, default=torch.get_num_threads())
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

model, config = model_from_preset(args.preset)
model.eval()
prompts = torch.randint(0, config.vocab_size, (args.batch_size, args.prompt_len))


def generate():
    with torch.no_grad():
        model.generate(prompts, attention_mask=torch.ones_like(prompts), max_new_tokens=args.new_tokens,
                       min_new_tokens=args.new_tokens, do_sample=False, use_cache=True, pad_token_id=0)


generate()
times = []
for _ in range(args.repeats):
    start = time.perf_counter()
    generate()
    times.append(time.perf_counter() - start)
best = min(times)
print(f"transformers generate, torch {torch.__version__}, {args.preset}, {args.threads} threads: "
      f"{best * 1000:.0f} ms, {args.batch_size * args.new_tokens / best:.0f} new tokens/s (best of {args.repeats})")
