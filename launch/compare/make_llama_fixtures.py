#!/usr/bin/env python3
"""Writes the PyTorch reference vectors of the Llama-family variants that the shared test vectors
(llama-tiny, qwen2-tiny) leave out, into Tests/CPOKitTests/Fixtures:

- llama-tiny-llama3: llama3-scaled RoPE, head_dim != hidden_size / heads, 4:1 grouped-query
  attention, attention and MLP biases, tied embeddings, a pad_token_id that occurs in the batch;
- mistral-tiny-window: Mistral with a 5-position sliding window over 16-token sequences;
- qwen2-tiny-window: Qwen2 with use_sliding_window on its second layer only (max_window_layers);
- rope/inv_freq.json: transformers' inverse frequencies and cos/sin tables for the RoPE types
  and shapes of the presets.

Each model folder holds config.json and model.safetensors as save_pretrained writes them (fp32),
batch.json (tokens; targets with -1 masked) and expected.safetensors (logits, nll, loss and
grad.<param> of the mean cross-entropy), as the shared vectors do.

    python3 launch/compare/make_llama_fixtures.py

Needs torch and transformers (pip install torch transformers); the project itself never does.
"""
import json
import os

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM
from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "CPOKitTests", "Fixtures")
VOCAB, LENGTH = 61, 16


def write_model(name, model, seed, tokens=None):
    folder = os.path.join(FIXTURES, name)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        # Random biases and norm gains too, so that none of them is the identity.
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * (0.3 if parameter.dim() == 1 else 0.15)
                            + (1.0 if parameter.dim() == 1 and torch.all(parameter == 1) else 0.0))
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "generation_config.json"))
    if tokens is None:
        tokens = torch.randint(0, VOCAB, (2, LENGTH), generator=generator)
    targets = torch.randint(0, VOCAB, (2, LENGTH), generator=generator)
    targets[0, :5] = -1
    targets[1, -2:] = -1
    model.zero_grad()
    logits = model(input_ids=tokens).logits
    nll = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-1,
                                            reduction="none").reshape(2, LENGTH)
    loss = nll.sum() / (targets >= 0).sum()
    loss.backward()
    expected = {"logits": logits.detach(), "nll": nll.detach(), "loss": loss.detach()}
    for parameter_name, parameter in model.named_parameters():
        expected["grad." + parameter_name] = parameter.grad.detach().clone()
    save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(folder, "expected.safetensors"))
    json.dump({"tokens": tokens.tolist(), "targets": targets.tolist(),
               "loss": "mean over positions with target >= 0 of -log softmax(logits)[target]"},
              open(os.path.join(folder, "batch.json"), "w"), indent=1)


def rope_tables():
    cases = {
        "default-d64-theta1e5": LlamaConfig(hidden_size=576, num_attention_heads=9, rope_theta=100000.0),
        "default-d128-theta1e6": LlamaConfig(hidden_size=1024, num_attention_heads=8, rope_theta=1000000.0),
        "linear-d32-factor4": LlamaConfig(hidden_size=128, num_attention_heads=4,
                                          rope_scaling={"rope_type": "linear", "factor": 4.0}),
        "llama3-d64-theta5e5": LlamaConfig(hidden_size=2048, num_attention_heads=32, head_dim=64, rope_theta=500000.0,
                                           max_position_embeddings=2048,
                                           rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                                         "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
    }
    positions = [0, 1, 7, 100, 2047]
    result = {}
    for name, config in cases.items():
        rotary = LlamaRotaryEmbedding(config)
        cos, sin = rotary(torch.zeros(1, dtype=torch.float32), torch.tensor([positions]))
        half = rotary.inv_freq.shape[0]
        result[name] = {"head_dim": 2 * half, "rope_parameters": config.rope_parameters,
                        "inv_freq": [float(x) for x in rotary.inv_freq],
                        "positions": positions,
                        "cos": [[float(x) for x in row[:half]] for row in cos[0]],
                        "sin": [[float(x) for x in row[:half]] for row in sin[0]]}
    os.makedirs(os.path.join(FIXTURES, "rope"), exist_ok=True)
    json.dump(result, open(os.path.join(FIXTURES, "rope", "inv_freq.json"), "w"), indent=1)


def main():
    torch.manual_seed(0)
    llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=40, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=1, head_dim=12, max_position_embeddings=64, rms_norm_eps=1e-5,
                        attention_bias=True, mlp_bias=True, tie_word_embeddings=True, pad_token_id=3, bos_token_id=1,
                        eos_token_id=[2, 5], rope_theta=10000.0,
                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 16},
                        attn_implementation="eager")
    tokens = torch.randint(0, VOCAB, (2, LENGTH), generator=torch.Generator().manual_seed(5))
    tokens[0, 3] = tokens[1, 10] = tokens[1, 11] = 3
    write_model("llama-tiny-llama3", LlamaForCausalLM(llama), seed=1, tokens=tokens)

    mistral = MistralConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, head_dim=8, max_position_embeddings=64, rms_norm_eps=1e-6,
                            sliding_window=5, tie_word_embeddings=False, rope_theta=10000.0, attn_implementation="eager")
    write_model("mistral-tiny-window", MistralForCausalLM(mistral), seed=2)

    qwen2 = Qwen2Config(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, use_sliding_window=True,
                        sliding_window=4, max_window_layers=1, tie_word_embeddings=True, rope_theta=1000000.0,
                        attn_implementation="eager")
    write_model("qwen2-tiny-window", Qwen2ForCausalLM(qwen2), seed=3)

    rope_tables()


if __name__ == "__main__":
    main()
