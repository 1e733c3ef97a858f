#!/usr/bin/env python3
"""Writes a copy of a llama-architecture GGUF keeping only its first N blocks (block_count = N),
for bisecting numerical differences layer by layer: with few layers both engines should agree
bit for bit, and the first N where they do not points at the block that differs.

usage: truncate_model.py N OUT.gguf [--model PATH]   (python with the `gguf` package)
"""
import argparse
import os

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter

parser = argparse.ArgumentParser()
parser.add_argument("blocks", type=int)
parser.add_argument("out")
parser.add_argument("--model", default=os.path.expanduser("~/.local/share/clicky/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
args = parser.parse_args()

reader = GGUFReader(args.model)
architecture = bytes(reader.fields["general.architecture"].parts[-1]).decode()
writer = GGUFWriter(args.out, architecture)
for key, field in reader.fields.items():
    if key.startswith("GGUF.") or key == "general.architecture":
        continue
    kind = field.types[0]
    if key == f"{architecture}.block_count":
        writer.add_uint32(key, args.blocks)
    elif kind == GGUFValueType.ARRAY:
        item = field.types[1]
        if item == GGUFValueType.STRING:
            writer.add_array(key, [bytes(field.parts[i]) for i in field.data])
        else:
            writer.add_key_value(key, [field.parts[i].tolist()[0] for i in field.data], GGUFValueType.ARRAY, sub_type=item)
    elif kind == GGUFValueType.STRING:
        writer.add_string(key, bytes(field.parts[field.data[0]]).decode())
    else:
        writer.add_key_value(key, field.parts[field.data[0]].tolist()[0], kind)
for tensor in reader.tensors:
    if tensor.name.startswith("blk.") and int(tensor.name.split(".")[1]) >= args.blocks:
        continue
    writer.add_tensor(tensor.name, np.array(tensor.data), raw_dtype=tensor.tensor_type)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
