#!/usr/bin/env python3
"""A folder as transformers 5 `save_pretrained` writes it: a tiny random LlamaForCausalLM and the
Llama 3-style fixture tokenizer (loaded with AutoTokenizer, saved back), for the tests that train,
generate, score and evaluate from it.

    python3 launch/compare/make_saved_folder_fixture.py Tests/CPOKitTests/Fixtures/llama3-style-saved-by-transformers
"""
import os
import sys

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1]
tokenizer = AutoTokenizer.from_pretrained(os.path.join(root, "Tests/CPOKitTests/Fixtures/tokenizers/bytelevel-llama3-style"))
torch.manual_seed(0)
config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                     num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                     bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True)
LlamaForCausalLM(config).save_pretrained(out)
tokenizer.save_pretrained(out)
print(sorted(os.listdir(out)))
