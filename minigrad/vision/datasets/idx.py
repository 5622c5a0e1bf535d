"""Read IDX files, the simple binary format of MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by the raw data:

    magic number   4 bytes: 0x00, 0x00, a type code (0x08 = uint8), the number of dimensions
    sizes          4 bytes per dimension, unsigned big-endian
    data           one byte per element, in C order (the last dimension varies fastest)

MNIST images are magic 0x00000803 (N x 28 x 28 pixels), labels 0x00000801 (N labels).
The files are usually distributed gzipped (`.gz`).
"""

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

UINT8_TYPE_CODE = 0x08


def read_idx(path, ndim=None):
    """Return the uint8 array stored in the IDX file at `path`, gzipped (`.gz`) or raw.

    `ndim`, when given, is the number of dimensions the caller expects (3 for
    images, 1 for labels), so that a labels file passed as images is refused
    here rather than failing later in a confusing way.

    Raises ValueError naming the file and what is wrong with it: a broken gzip
    stream, a bad magic number, or data that does not match the sizes in the
    header (a truncated file).
    """
    path = Path(path)
    content = _read_bytes(path)

    magic = int.from_bytes(content[:4], "big")
    file_ndim = content[3] if len(content) >= 4 else 0
    if len(content) < 4 or magic >> 8 != UINT8_TYPE_CODE or (ndim is not None and file_ndim != ndim):
        expected = f"0x{UINT8_TYPE_CODE << 8 | ndim:08x}" if ndim is not None else "0x000008NN"
        raise ValueError(
            f"{path}: bad magic number 0x{magic:08x}, expected {expected} for uint8 IDX data; "
            "the file is not what its name says, or it is corrupt: delete it and download it again"
        )

    header_size = 4 + 4 * file_ndim
    shape = tuple(int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(file_ndim))
    expected_bytes = math.prod(shape)
    found_bytes = len(content) - header_size
    if found_bytes != expected_bytes:
        problem = "truncated" if found_bytes < expected_bytes else "has extra bytes"
        raise ValueError(
            f"{path}: size mismatch, the file is {problem}: its header promises shape {shape} "
            f"({expected_bytes} bytes of data) but {max(found_bytes, 0)} bytes follow the header; "
            "delete it and download it again"
        )

    # Copy so that the array is writable (an array over `bytes` is read-only).
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _read_bytes(path):
    """Return the file's bytes, decompressed when its name ends in `.gz`."""
    content = path.read_bytes()
    if path.suffix != ".gz":
        return content
    try:
        return gzip.decompress(content)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path}: gzip error ({error}); the file is truncated or corrupt: delete it and download it again"
        ) from error
