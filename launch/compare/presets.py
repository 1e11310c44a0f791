"""The `cpo` presets as transformers models, for the comparison benchmarks (shapes as in
Sources/CPOKit/Models/*/…Config presets), and the FLOP count `cpo bench` uses."""
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

PRESETS = {
    "gpt2-124m": lambda: GPT2Config(n_positions=1024, n_embd=768, n_layer=12, n_head=12, vocab_size=50257,
                                    resid_pdrop=0, embd_pdrop=0, attn_pdrop=0),
    "smollm2-135m": lambda: LlamaConfig(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                                        num_key_value_heads=3, vocab_size=49152, tie_word_embeddings=True,
                                        max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=100000.0),
    "llama3.2-1b": lambda: LlamaConfig(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                                       num_key_value_heads=8, head_dim=64, vocab_size=128256, tie_word_embeddings=True,
                                       max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=500000.0,
                                       rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
}


def model_from_preset(name):
    config = PRESETS[name]()
    model = (GPT2LMHeadModel if config.model_type == "gpt2" else LlamaForCausalLM)(config)
    return model, config


def forward_flops(config, batch, length):
    """Matrix-product FLOPs of a forward pass, counted as `cpo bench train` counts them."""
    tokens = batch * length
    keys_seen = batch * length * (length + 1) / 2
    if config.model_type == "gpt2":
        c, layers = config.n_embd, config.n_layer
        projections = 2 * tokens * (c * 3 * c + c * c + 2 * c * 4 * c) * layers
        attention = 4 * keys_seen * c * layers
    else:
        c, layers = config.hidden_size, config.num_hidden_layers
        d = getattr(config, "head_dim", None) or c // config.num_attention_heads
        q, kv = config.num_attention_heads * d, config.num_key_value_heads * d
        projections = 2 * tokens * (c * (q + 2 * kv) + q * c + 3 * c * config.intermediate_size) * layers
        attention = 4 * keys_seen * q * layers
    return projections + 2 * tokens * c * config.vocab_size + attention
