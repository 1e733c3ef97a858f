#!/usr/bin/env python3
"""llama.cpp as a numerics reference: evaluates token batches with llama-cpp-python and captures
every intermediate tensor of the graph (through llama.cpp's eval callback, cb_eval).

Run with the llama-cpp-python venv: PY="$(scripts/llamacpp-venv.sh)"; "$PY" scripts/golden/...
As a library:
    import llama_capture as lc
    model = lc.load("model.gguf", n_threads=2)
    dumps, logits = lc.run(model, [[1, 4093, 198], [504]])   # one dict per batch
    dumps[0]["Qcur-0"]   # list of float32 arrays, one per graph node of that name, in graph order
Names follow llama.cpp's graph (attn_norm-L, Qcur-L [matmul, reshape, rope], Kcur-L, Vcur-L,
kq-L, kq_soft_max-L, kqv_out-L, ffn_inp-L, ffn_norm-L, ffn_gate-L, ffn_up-L, ffn_swiglu-L,
ffn_out-L, l_out-L, result_norm, result_output). Settings default to the goldens' (flash
attention off, F16 KV cache, n_ctx 256).
"""
import ctypes

import numpy as np
import llama_cpp
from llama_cpp import Llama, _internals


class GGMLTensor(ctypes.Structure):
    """struct ggml_tensor of the vendored ggml (GGML_MAX_DIMS 4, MAX_SRC 10, MAX_OP_PARAMS 64, MAX_NAME 64)."""
    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p),
                ("ne", ctypes.c_int64 * 4), ("nb", ctypes.c_size_t * 4),
                ("op", ctypes.c_int), ("op_params", ctypes.c_int32 * 16), ("flags", ctypes.c_int32),
                ("src", ctypes.c_void_p * 10), ("view_src", ctypes.c_void_p), ("view_offs", ctypes.c_size_t),
                ("data", ctypes.c_void_p), ("name", ctypes.c_char * 64), ("extra", ctypes.c_void_p),
                ("padding", ctypes.c_char * 8)]


_state = {"on": False, "store": None}


def _read(t):
    """The tensor's values as float32 (F32 and F16 tensors; None for others), honouring strides."""
    if t.type == 0:
        dtype, size = np.float32, 4
    elif t.type == 1:
        dtype, size = np.float16, 2
    else:
        return None
    ne, nb = list(t.ne), list(t.nb)
    span = sum((ne[i] - 1) * nb[i] for i in range(4)) + size
    raw = np.frombuffer(ctypes.string_at(t.data, span), dtype=dtype)
    view = np.lib.stride_tricks.as_strided(raw, shape=tuple(reversed(ne)), strides=tuple(reversed(nb)))
    return np.array(view, dtype=np.float32)


def _callback(pointer, ask, _user):
    if not _state["on"]:
        return not ask
    if ask:
        return True   # observe every node
    t = GGMLTensor.from_address(pointer)
    values = _read(t)
    if values is not None:
        _state["store"].setdefault(t.name.decode(), []).append(values)
    return True


_CALLBACK = llama_cpp.ggml_backend_sched_eval_callback(_callback)
_original_init = _internals.LlamaContext.__init__


def _init_with_callback(self, *, model, params, verbose=True):
    params.cb_eval = _CALLBACK
    params.cb_eval_user_data = None
    _original_init(self, model=model, params=params, verbose=verbose)


_internals.LlamaContext.__init__ = _init_with_callback


def load(path, n_threads=2, n_ctx=256, logits_all=True):
    """A Llama with the goldens' settings (flash attention off, F16 KV cache)."""
    return Llama(path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                 logits_all=logits_all, verbose=False, flash_attn=False)


def run(model, batches, capture=True):
    """Resets the cache, evaluates each batch in turn; returns (one capture dict per batch,
    logits of the last token)."""
    model.reset()
    dumps = []
    for batch in batches:
        _state["on"], _state["store"] = capture, {}
        try:
            model.eval(batch)
        finally:
            _state["on"] = False
        dumps.append(_state["store"])
    return dumps, np.array(model.scores[model.n_tokens - 1])
