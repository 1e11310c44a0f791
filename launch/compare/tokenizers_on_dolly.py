#!/usr/bin/env python3
"""`cpo tokenize` against Hugging Face `tokenizers` (Rust) on all of Dolly: the same ids (with and
without special tokens) and the same decoded text for every row, and the time each takes.

Tokenizers: GPT-2 as a tokenizer.json made here by `tokenizers` from shared/data/gpt2-tokenizer
(also checked against cpo's vocab.json + merges.txt path), and the Llama 3- and Llama 2-style
fixtures. Both sides use every core (`encode_batch` via rayon; cpo across lines).

    swift build -c release --product cpo
    python3 launch/compare/tokenizers_on_dolly.py [--cpo .build/release/cpo] [--repeats 3]
"""
import argparse
import json
import os
import subprocess
import time

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = os.path.join(os.path.dirname(root), "shared")
parser = argparse.ArgumentParser()
parser.add_argument("--cpo", default=os.path.join(root, ".build/release/cpo"))
parser.add_argument("--work", default="/tmp/cpo-tokenize-dolly")
parser.add_argument("--data", default=os.path.join(shared, "data/dolly-15k/databricks-dolly-15k.jsonl"))
parser.add_argument("--repeats", type=int, default=3)
args = parser.parse_args()
os.makedirs(args.work, exist_ok=True)


def make_gpt2_tokenizer_json(folder):
    """GPT-2 as `transformers`' GPT2TokenizerFast converts it: byte-level BPE, no prefix space."""
    source = os.path.join(shared, "data/gpt2-tokenizer")
    tokenizer = Tokenizer(models.BPE.from_file(os.path.join(source, "vocab.json"), os.path.join(source, "merges.txt")))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.add_special_tokens(["<|endoftext|>"])
    os.makedirs(folder, exist_ok=True)
    tokenizer.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>",
                   "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}, f)


def best_time(run):
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def cpo_tokenize(folder, input_path, output_path):
    subprocess.run([args.cpo, "tokenize", "--tokenizer", folder, "--input", input_path, "--output", output_path], check=True)
    with open(output_path) as f:
        return [json.loads(line) for line in f]


with open(args.data) as f:
    rows = [json.loads(line) for line in f]
texts = ["\n\n".join(part for part in (row["instruction"], row["context"], row["response"]) if part) for row in rows]
texts_path = os.path.join(args.work, "dolly-text.jsonl")
with open(texts_path, "w") as f:
    for text in texts:
        f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
print(f"Dolly: {len(texts)} rows, {sum(len(t.encode()) for t in texts) / 1e6:.1f} MB of text")

gpt2_json = os.path.join(args.work, "gpt2-tokenizer-json")
make_gpt2_tokenizer_json(gpt2_json)
fixtures = os.path.join(root, "Tests/CPOKitTests/Fixtures/tokenizers")
folders = {"gpt2 (tokenizer.json)": gpt2_json,
           "llama3-style": os.path.join(fixtures, "bytelevel-llama3-style"),
           "llama2-style": os.path.join(fixtures, "sentencepiece-llama2-style")}
failures = 0
for name, folder in folders.items():
    hf = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    hf_seconds, encodings = best_time(lambda: hf.encode_batch(texts, add_special_tokens=False))
    with_specials = hf.encode_batch(texts)
    out_path = os.path.join(args.work, "out.jsonl")
    cpo_seconds, records = best_time(lambda: cpo_tokenize(folder, texts_path, out_path))
    bad = [i for i, (r, e, s) in enumerate(zip(records, encodings, with_specials))
           if r["ids"] != e.ids or r["ids_with_specials"] != s.ids]
    ids_path = os.path.join(args.work, "ids.jsonl")
    with open(ids_path, "w") as f:
        for e in with_specials:
            f.write(json.dumps({"ids": e.ids}) + "\n")
    decoded = cpo_tokenize(folder, ids_path, out_path)
    hf_decoded = hf.decode_batch([e.ids for e in with_specials], skip_special_tokens=False)
    bad_decode = [i for i, (r, d) in enumerate(zip(decoded, hf_decoded)) if r["text"] != d]
    failures += len(bad) + len(bad_decode) + (len(records) != len(texts))
    print(f"{name}: {len(texts) - len(bad)}/{len(texts)} rows with the same ids, {len(texts) - len(bad_decode)}/{len(texts)} decode the same"
          + (f" (first differing rows: {bad[:5]} {bad_decode[:5]})" if bad or bad_decode else ""))
    print(f"  encode all of Dolly: cpo tokenize {cpo_seconds:.2f} s (whole command: read, encode, write JSONL), "
          f"tokenizers encode_batch {hf_seconds:.2f} s (encoding only): ratio {cpo_seconds / hf_seconds:.2f}")
    if name.startswith("gpt2"):
        gpt2_files = cpo_tokenize(os.path.join(shared, "data/gpt2-tokenizer"), texts_path, out_path)
        same = sum(a["ids"] == b["ids"] for a, b in zip(gpt2_files, records))
        failures += len(texts) - same
        print(f"  vocab.json + merges.txt path: {same}/{len(texts)} rows with the same ids as tokenizer.json")
raise SystemExit(1 if failures else 0)
