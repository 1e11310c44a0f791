#!/usr/bin/env python3
"""Loads a folder `cpo train` wrote with transformers' AutoTokenizer and checks that it encodes like
the folder the run started from, and like `cpo tokenize` on it, on all of Dolly (or --limit rows).

    python3 launch/compare/check_saved_tokenizer.py RUN/final START_FOLDER [--cpo .build/release/cpo]
"""
import argparse
import json
import os
import subprocess
import tempfile

from transformers import AutoTokenizer

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
parser = argparse.ArgumentParser()
parser.add_argument("saved")
parser.add_argument("start")
parser.add_argument("--cpo", default=os.path.join(root, ".build/release/cpo"))
parser.add_argument("--data", default=os.path.join(os.path.dirname(root), "shared/data/dolly-15k/databricks-dolly-15k.jsonl"))
parser.add_argument("--limit", type=int)
args = parser.parse_args()

with open(args.data) as f:
    rows = [json.loads(line) for line in f][: args.limit]
texts = ["\n\n".join(p for p in (r["instruction"], r["context"], r["response"]) if p) for r in rows]
saved = AutoTokenizer.from_pretrained(args.saved)
start = AutoTokenizer.from_pretrained(args.start)
print(f"{args.saved}: {type(saved).__name__}, bos {saved.bos_token!r}, eos {saved.eos_token!r}")
with tempfile.TemporaryDirectory() as work:
    path = os.path.join(work, "in.jsonl")
    with open(path, "w") as f:
        for text in texts:
            f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    out = subprocess.run([args.cpo, "tokenize", "--model", args.saved, "--input", path], check=True, capture_output=True, text=True).stdout
    cpo = [json.loads(line) for line in out.splitlines()]
same_start = sum(saved(t)["input_ids"] == start(t)["input_ids"] for t in texts)
same_cpo = sum(saved(t)["input_ids"] == c["ids_with_specials"] and saved(t, add_special_tokens=False)["input_ids"] == c["ids"]
               for t, c in zip(texts, cpo))
print(f"AutoTokenizer of the saved folder = of the start folder on {same_start}/{len(texts)} rows; "
      f"= cpo tokenize (with and without special tokens) on {same_cpo}/{len(texts)}")
raise SystemExit(0 if same_start == same_cpo == len(texts) else 1)
