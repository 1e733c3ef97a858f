#!/usr/bin/env python3
"""Lists what a CTranslate2 model.bin holds: header, every variable (name, shape, data type,
byte size, file offset) and the alias table. Standard library only, so it runs anywhere.

    python3 scripts/whisper/dump_ct2.py [model.bin]           # default: the installed tiny.en
    python3 scripts/whisper/dump_ct2.py model.bin --values decoder/layer_norm/gamma 8

The layout it reads (little-endian, binary versions 4 to 6; the Swift reader is
Sources/Speech/CTranslate2/CTranslate2Model.swift):
    u32 version | string spec name | u32 spec revision | u32 variable count
    per variable: string name | u8 rank | rank x u32 dims | u8 dtype | u32 byte count | bytes
    u32 alias count | per alias: string alias | string target
A string is a u16 length that counts a closing NUL, then that many bytes.
"""

import argparse
import os
import struct
import sys

# Type ids as CTranslate2 numbers them (include/ctranslate2/types.h): name, struct code, width.
DTYPES = {
    0: ("float32", "f", 4),
    1: ("int8", "b", 1),
    2: ("int16", "h", 2),
    3: ("int32", "i", 4),
    4: ("float16", "e", 2),
    5: ("bfloat16", None, 2),
}


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            sys.exit(f"truncated at byte {self.pos}: need {size} more bytes")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def string(self):
        length = self.take("<H")
        if length == 0 or self.pos + length > len(self.data):
            sys.exit(f"bad string length {length} at byte {self.pos - 2}")
        raw = self.data[self.pos:self.pos + length]
        self.pos += length
        return raw[:-1].decode("utf-8")


def parse(data):
    reader = Reader(data)
    version = reader.take("<I")
    if not 4 <= version <= 6:
        sys.exit(f"binary version {version} is not one this script reads (4 to 6)")
    spec = reader.string()
    revision = reader.take("<I")
    variables = []
    for _ in range(reader.take("<I")):
        name = reader.string()
        rank = reader.take("<B")
        shape = [reader.take("<I") for _ in range(rank)]
        dtype = reader.take("<B")
        count = reader.take("<I")
        variables.append((name, shape, dtype, count, reader.pos))
        reader.pos += count
    aliases = [(reader.string(), reader.string()) for _ in range(reader.take("<I"))]
    return version, spec, revision, variables, aliases, reader.pos


def values(data, dtype, offset, count):
    """The first `count` elements as Python floats (bfloat16 widened through its bit pattern)."""
    name, code, width = DTYPES[dtype]
    if code is not None:
        return list(struct.unpack_from(f"<{count}{code}", data, offset))
    halves = struct.unpack_from(f"<{count}H", data, offset)
    return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]


def main():
    home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    default = os.path.join(home, "clicky/models/whisper-tiny.en/model.bin")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default=default)
    parser.add_argument("--values", nargs=2, metavar=("NAME", "COUNT"),
                        help="print the first COUNT elements of variable NAME as floats")
    args = parser.parse_args()

    with open(args.path, "rb") as handle:
        data = handle.read()
    version, spec, revision, variables, aliases, end = parse(data)

    if args.values:
        wanted, count = args.values[0], int(args.values[1])
        targets = dict(aliases)
        wanted = targets.get(wanted, wanted)
        for name, shape, dtype, size, offset in variables:
            if name == wanted:
                width = DTYPES[dtype][2]
                print(values(data, dtype, offset, min(count, size // width)))
                return
        sys.exit(f"no variable {wanted!r}")

    print(f"binary version {version}, spec {spec} revision {revision}, "
          f"{len(variables)} variables, {len(aliases)} aliases, {end} of {len(data)} bytes read")
    for name, shape, dtype, size, offset in variables:
        kind = DTYPES.get(dtype, (f"dtype {dtype}",))[0]
        print(f"{name:58} {str(shape):18} {kind:8} {size:>10} bytes at {offset}")
    for alias, target in aliases:
        print(f"alias {alias} -> {target}")


if __name__ == "__main__":
    main()
