#!/usr/bin/env python3
"""Cross-check: load a cpo checkpoint folder with transformers' AutoModelForCausalLM (GPT-2, Llama,
Qwen2, Mistral: whatever its config.json says) and compare its log-probabilities with the output of
`cpo score` on the same pairs.

    cpo score --model RUN/final --input pairs.jsonl --output scored.jsonl
    python3 launch/compare/check_logprobs.py RUN/final scored.jsonl

Needs torch and transformers (pip install torch transformers); the project itself never does.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEMPLATE_CONTEXT = "### Instruction:\n{}\n\n### Context:\n{}\n\n### Response:\n"
TEMPLATE = "### Instruction:\n{}\n\n### Response:\n"


def encoder(folder):
    try:
        config = json.load(open(f"{folder}/tokenizer_config.json"))
    except FileNotFoundError:  # token ids only
        return None, None
    if config.get("cpo_tokenizer") == "byte":
        return (lambda text: list(text.encode())), 256
    tokenizer = AutoTokenizer.from_pretrained(folder)
    return (lambda text: tokenizer.encode(text)), tokenizer.eos_token_id


def main(folder, scored):
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    encode, eos = encoder(folder)
    worst = 0.0
    count = 0
    for line in open(scored):
        record = json.loads(line)
        if "prompt_ids" in record:
            prompt, response = record["prompt_ids"], record["response_ids"]
        else:
            instruction = record.get("instruction", record.get("prompt"))
            context = record.get("context") or ""
            text = TEMPLATE_CONTEXT.format(instruction, context) if context else TEMPLATE.format(instruction)
            prompt, response = encode(text), encode(record["response"]) + [eos]
        with torch.no_grad():
            logits = model(torch.tensor([prompt + response])).logits[0].double()
        logp = torch.log_softmax(logits, -1)
        tokens = [logp[len(prompt) - 1 + i, t].item() for i, t in enumerate(response)]
        worst = max(worst, abs(sum(tokens) - record["logprob"]),
                    max(abs(a - b) for a, b in zip(tokens, record["token_logprobs"])))
        count += 1
    print(f"{count} sequences; largest |transformers - cpo score| = {worst:.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
