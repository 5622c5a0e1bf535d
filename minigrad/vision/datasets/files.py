"""Where datasets are found on disk, and how they are downloaded and checked.

Where the files are looked for, in order:
1. the `root` folder passed to the dataset;
2. the folder named by the MINIGRAD_DATA environment variable;
3. the user cache folder, $XDG_CACHE_HOME/minigrad or ~/.cache/minigrad.
Each dataset says which folders inside those it accepts (torchvision's layout
and minigrad's). When the files are nowhere and `download=True`, they are
downloaded into `root` (or the cache without one), each file's MD5 checked
before it takes its name: a broken download never looks like data.
"""
import contextlib
import hashlib
import http.client
import os
import sys
import urllib.request
from pathlib import Path


def cache_folder():
    """The user cache folder for datasets: $XDG_CACHE_HOME/minigrad, or ~/.cache/minigrad."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "minigrad"


def search_bases(root):
    """The folders searched, in order: `root`, $MINIGRAD_DATA, the cache."""
    bases = [Path(root).expanduser()] if root is not None else []
    if os.environ.get("MINIGRAD_DATA"):
        bases.append(Path(os.environ["MINIGRAD_DATA"]).expanduser())
    bases.append(cache_folder())
    return bases


def download_base(root):
    """Where a download goes: `root`, or the cache without one."""
    return Path(root).expanduser() if root is not None else cache_folder()


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def download_verified(file, mirrors, folder, expected_md5):
    """Download `file` into `folder` from the first of `mirrors` that serves it intact; return its path.

    The bytes go to `<file>.part` and are renamed only once their MD5 matches.
    Raises RuntimeError listing what went wrong with every mirror when none succeeds.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    partial = folder / (file + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + file
        print(f"Downloading {url} to {path}", file=sys.stderr)
        try:
            md5, size = _fetch(url, partial)
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"  {url}: {error}")
            continue
        if md5 == expected_md5:
            partial.replace(path)
            return path
        failures.append(
            f"  {url}: corrupt or truncated download ({size} bytes with MD5 {md5}, "
            f"expected MD5 {expected_md5}); it was deleted"
        )
    partial.unlink(missing_ok=True)
    raise RuntimeError(
        f"could not download {file}:\n" + "\n".join(failures) + "\n"
        f"Check your connection and try again, or put the official file in {folder} yourself."
    )


def _fetch(url, path):
    """Stream `url` into `path` under a progress bar; return the MD5 (hex) and size of what arrived."""
    request = urllib.request.Request(url, headers={"User-Agent": "minigrad"})
    md5 = hashlib.md5()
    size = 0
    with urllib.request.urlopen(request, timeout=60) as response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        with progress_bar(total, path.name.removesuffix(".part")) as advance:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                md5.update(chunk)
                size += len(chunk)
                advance(len(chunk))
    return md5.hexdigest(), size


@contextlib.contextmanager
def progress_bar(total, description):
    """Yield a function that reports `n` more bytes received.

    The bar is tqdm's when tqdm is installed; otherwise a percentage line on
    stderr, since minigrad's only dependency is NumPy. `total` 0 means unknown.
    """
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        with tqdm(total=total or None, desc=description, unit="B", unit_scale=True, unit_divisor=1024) as bar:
            yield bar.update
        return

    received = 0

    def advance(n):
        nonlocal received
        received += n
        amount = f"{100 * received // total}%" if total else f"{received} bytes"
        print(f"\r{description}: {amount}", end="", file=sys.stderr, flush=True)

    try:
        yield advance
    finally:
        print(file=sys.stderr)


def not_found_message(what, searched, download_folder, layouts):
    """The error for files found nowhere: what was looked for, where, and the three ways to fix it."""
    return (
        f"{what} not found. Searched, in order:\n"
        + "".join(f"  {folder}\n" for folder in searched)
        + "To fix it, do one of:\n"
        f"  - pass root= a folder holding the files ({layouts});\n"
        "  - set the MINIGRAD_DATA environment variable to such a folder;\n"
        f"  - pass download=True to download them into {download_folder}."
    )
