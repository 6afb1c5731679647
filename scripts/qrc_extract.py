"""Minimal reader for Qt binary resource files (.rcc, format versions 1-3): list and extract files.

    python scripts/qrc_extract.py paintings.rcc            # list
    python scripts/qrc_extract.py paintings.rcc OUT_DIR    # extract everything
"""
from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path


def read_rcc(path: str | Path) -> dict[str, bytes]:
    """``{"/dir/file.png": bytes}`` for every file in the resource."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"qres":
        raise ValueError(f"'{path}': not a Qt resource file")
    version, tree, data, names = struct.unpack(">IIII", buf[4:20])
    node_size = 14 if version == 1 else 22

    def name(off: int) -> str:
        (length,) = struct.unpack(">H", buf[names + off:names + off + 2])
        return buf[names + off + 6:names + off + 6 + 2 * length].decode("utf-16-be")

    out: dict[str, bytes] = {}

    def walk(index: int, prefix: str) -> None:
        base = tree + index * node_size
        name_off, flags = struct.unpack(">IH", buf[base:base + 6])
        label = name(name_off) if index else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", buf[base + 6:base + 14])
            for child in range(first, first + count):
                walk(child, f"{prefix}{label}/" if index else "/")
            return
        (data_off,) = struct.unpack(">I", buf[base + 10:base + 14])
        (size,) = struct.unpack(">I", buf[data + data_off:data + data_off + 4])
        blob = buf[data + data_off + 4:data + data_off + 4 + size]
        if flags & 1:      # qCompress: 4-byte big-endian length, then zlib
            blob = zlib.decompress(blob[4:])
        elif flags & 4:    # zstd
            import zstandard

            blob = zstandard.ZstdDecompressor().decompress(blob)
        out[prefix + label] = blob

    walk(0, "")
    return out


if __name__ == "__main__":
    files = read_rcc(sys.argv[1])
    if len(sys.argv) > 2:
        for name, blob in files.items():
            dest = Path(sys.argv[2]) / name.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(blob)
    for name, blob in files.items():
        print(f"{len(blob):>9} {name}")
