#!/usr/bin/env python3
"""Writes two tiny random-weight GGUF models that carry real tokenizer vocabularies:

  tiny-llama3.gguf  architecture llama, Llama 3.2 tokenizer (pre "llama-bpe"), Llama 3 RoPE
                    scaling as a rope_freqs.weight tensor (the way convert_hf_to_gguf.py does it)
  tiny-qwen2.gguf   architecture qwen2, Qwen tokenizer (pre "qwen2"), q/k/v attention biases

usage: PY scripts/golden/make_tiny_models.py OUTDIR [--vocab-dir DIR]
PY needs the `gguf` and `numpy` packages. The vocabularies are the vocabulary-only GGUFs that
install_bpe_vocabs.sh puts into $XDG_DATA_HOME/clicky/models (llama3.2-vocab.gguf,
qwen3-vocab.gguf); every tokenizer.* key is copied verbatim. Weights come from a seeded numpy
RNG and GGUFWriter writes no timestamps, so two runs give byte-identical files.

Sizes (both): embedding 64, 2 blocks, FFN 128, 4 heads (head_dim 16), 2 KV heads, rope dims 16,
RMS eps 1e-5, context 2048, tied output (no output.weight). 2-D matrices are Q8_0, norms,
biases and rope_freqs F32.
"""
import argparse, hashlib, math, os, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT, GGUFValueType as VT

N_EMBD, N_LAYER, N_FF, N_HEAD, N_HEAD_KV, N_CTX = 64, 2, 128, 4, 2, 2048
HEAD_DIM = N_EMBD // N_HEAD          # 16
N_ROT = HEAD_DIM                     # rope.dimension_count
N_KV = N_HEAD_KV * HEAD_DIM          # 32
EPS = 1e-5

# Weight scales (std of normal draws). The token embedding is also the output matrix (tied):
# with RMS-normalised hidden states of norm ~8, std 5.0 gives logits of std ~40, so the greedy
# winner leads the runner-up by well over 0.1 (margins < 0.1 are "fragile" in the goldens).
EMBD_STD = 5.0
PROJ_STD = 1.0 / math.sqrt(N_EMBD)   # q, k, v, o, gate, up: unit gain on an RMS-1 input
QK_GAIN = 1.5                        # sharper attention than uniform
DOWN_STD = 1.0 / math.sqrt(N_FF)
# Block outputs are amplified so that the residual stream is not dominated by the input token's
# own embedding (which, tied, would make greedy decoding just repeat the last token).
OUT_GAIN = 4.0 * EMBD_STD


def llama3_rope_factors(base, dim, factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                        old_context_len=8192):
    """convert_hf_to_gguf.py (LlamaModel.generate_extra_tensors), for rope_type "llama3"."""
    freqs = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    out = []
    for freq in freqs:
        wavelen = 2 * math.pi / float(freq)
        if wavelen < high_freq_wavelen:
            out.append(1.0)
        elif wavelen > low_freq_wavelen:
            out.append(factor)
        else:
            smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def copy_tokenizer(writer, vocab_path):
    reader = gguf.GGUFReader(vocab_path)
    n_vocab = None
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        if vtype == VT.ARRAY:
            sub = field.types[-1]
            if sub == VT.STRING:
                value = [bytes(field.parts[i]) for i in field.data]   # raw bytes: exact copy
            else:
                value = [field.parts[i].tolist()[0] for i in field.data]
            writer.add_key_value(key, value, VT.ARRAY, sub_type=sub)
            if key == "tokenizer.ggml.tokens":
                n_vocab = len(value)
        elif vtype == VT.STRING:
            writer.add_key_value(key, bytes(field.parts[field.data[0]]), VT.STRING)
        else:
            writer.add_key_value(key, field.parts[field.data[0]].tolist()[0], vtype)
    if n_vocab is None:
        sys.exit(f"{vocab_path}: no tokenizer.ggml.tokens")
    return n_vocab


def q8(writer, name, array):
    """array in numpy order (ne1, ne0) = (rows/outputs, inputs)."""
    data = gguf.quants.quantize(np.ascontiguousarray(array, dtype=np.float32), QT.Q8_0)
    writer.add_tensor(name, data, raw_dtype=QT.Q8_0)


def f32(writer, name, array):
    writer.add_tensor(name, np.ascontiguousarray(array, dtype=np.float32))


def norm_weights(rng, n):
    return 1.0 + 0.1 * rng.standard_normal(n)


def make(path, arch, vocab_path, seed, freq_base, template, rope_factors=False, qkv_bias=False):
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(path, arch)
    writer.add_name(f"tiny-{arch} (random weights, for tests)")
    writer.add_context_length(N_CTX)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(N_ROT)
    writer.add_rope_freq_base(freq_base)
    writer.add_layer_norm_rms_eps(EPS)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    n_vocab = copy_tokenizer(writer, vocab_path)
    writer.add_vocab_size(n_vocab)
    writer.add_chat_template(template)

    q8(writer, "token_embd.weight", EMBD_STD * rng.standard_normal((n_vocab, N_EMBD)))
    if rope_factors:
        f32(writer, "rope_freqs.weight", llama3_rope_factors(freq_base, HEAD_DIM))
    for b in range(N_LAYER):
        p = f"blk.{b}."
        f32(writer, p + "attn_norm.weight", norm_weights(rng, N_EMBD))
        q8(writer, p + "attn_q.weight", QK_GAIN * PROJ_STD * rng.standard_normal((N_EMBD, N_EMBD)))
        q8(writer, p + "attn_k.weight", QK_GAIN * PROJ_STD * rng.standard_normal((N_KV, N_EMBD)))
        q8(writer, p + "attn_v.weight", PROJ_STD * rng.standard_normal((N_KV, N_EMBD)))
        if qkv_bias:
            f32(writer, p + "attn_q.bias", 0.5 * rng.standard_normal(N_EMBD))
            f32(writer, p + "attn_k.bias", 0.5 * rng.standard_normal(N_KV))
            f32(writer, p + "attn_v.bias", 0.5 * rng.standard_normal(N_KV))
        q8(writer, p + "attn_output.weight", OUT_GAIN * PROJ_STD * rng.standard_normal((N_EMBD, N_EMBD)))
        f32(writer, p + "ffn_norm.weight", norm_weights(rng, N_EMBD))
        q8(writer, p + "ffn_gate.weight", PROJ_STD * rng.standard_normal((N_FF, N_EMBD)))
        q8(writer, p + "ffn_up.weight", PROJ_STD * rng.standard_normal((N_FF, N_EMBD)))
        q8(writer, p + "ffn_down.weight", OUT_GAIN * DOWN_STD * rng.standard_normal((N_EMBD, N_FF)))
    f32(writer, "output_norm.weight", norm_weights(rng, N_EMBD))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}"
    "<|end_header_id|>\n\n{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def main():
    default_vocabs = os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
                                  "clicky", "models")
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--vocab-dir", default=default_vocabs)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    jobs = [
        ("tiny-llama3.gguf", "llama", "llama3.2-vocab.gguf", 3, 500000.0, LLAMA3_TEMPLATE,
         dict(rope_factors=True)),
        ("tiny-qwen2.gguf", "qwen2", "qwen3-vocab.gguf", 2, 1000000.0, CHATML_TEMPLATE,
         dict(qkv_bias=True)),
    ]
    for name, arch, vocab, seed, base, template, extra in jobs:
        out = os.path.join(args.outdir, name)
        tmp = out + ".part"
        make(tmp, arch, os.path.join(args.vocab_dir, vocab), seed, base, template, **extra)
        os.replace(tmp, out)
        digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
        print(f"{digest}  {name}  ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
