"""Build the bundled text domains from sources available offline on a Debian machine.

Run as ``python -m trainer.build_domains`` after
``apt-get install -y dict-foldoc dict-gcide dict-jargon fortunes wordnet-base bible-kjv``.
Each domain's text is cut into blocks of about :data:`BLOCK` bytes at line boundaries;
every :data:`VAL_EVERY`-th block is held out for validation, and the training blocks are
thinned by a stride so that a large source (GCIDE) is sampled across its whole length
while staying under :data:`MAX_TRAIN` bytes. The result is ``trainer/domains/NAME.train.gz``,
``NAME.val.gz`` and ``manifest.json``; the build is deterministic.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).with_name("domains")
BLOCK = 4096  # bytes per block: long enough to hold whole dictionary entries
VAL_EVERY = 25  # 4% of the blocks are validation text
MAX_TRAIN = 3_000_000  # bytes of training text per domain keeps the bundle small
MAX_VAL = 150_000  # bytes of validation text per domain


def _gunzip(path: str) -> str:
    return gzip.open(path).read().decode("utf-8", "replace")


def _python() -> str:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    root = Path(sys.base_prefix) / "lib" / version
    files = sorted(p for p in root.glob("*.py"))
    files += sorted(root.glob("[a-z]*/*.py"))
    files = [p for p in files if "test" not in p.parts[-2] and "site-packages" not in str(p)]
    return "\n".join(p.read_text("utf-8", "replace") for p in files)


def _fortunes() -> str:
    files = sorted(glob.glob("/usr/share/games/fortunes/*"))
    texts = [Path(f).read_text("utf-8", "replace") for f in files
             if not f.endswith((".dat", ".u8")) and Path(f).is_file()]
    return "\n".join(texts)


def _wordnet() -> str:
    lines = []
    for pos in ("noun", "verb", "adj", "adv"):
        text = Path(f"/usr/share/wordnet/data.{pos}").read_text("utf-8", "replace")
        for line in text.split("\n"):
            if "|" in line and not line.startswith(" "):
                words = line.split(" ")[4::2][: int(line.split(" ")[3], 16)]
                gloss = line.split("|", 1)[1].strip()
                lines.append(f"{', '.join(w.replace('_', ' ') for w in words)}: {gloss}")
    return "\n".join(lines)


def _bible() -> str:
    out = subprocess.run(["bible", "Gen1:1-Rev22:21"], capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


SOURCES: dict[str, tuple[Callable[[], str], str]] = {
    "python": (_python, "CPython standard library source (*.py of the interpreter's lib)"),
    "foldoc": (lambda: _gunzip("/usr/share/dictd/foldoc.dict.dz"), "Debian dict-foldoc"),
    "gcide": (lambda: _gunzip("/usr/share/dictd/gcide.dict.dz"), "Debian dict-gcide"),
    "jargon": (lambda: _gunzip("/usr/share/dictd/jargon.dict.dz"), "Debian dict-jargon"),
    "fortunes": (_fortunes, "Debian fortunes (/usr/share/games/fortunes)"),
    "wordnet": (_wordnet, "Debian wordnet-base (glosses of data.noun/verb/adj/adv)"),
    "bible": (_bible, "Debian bible-kjv-text, dumped with the bible program of bible-kjv"),
}


def blocks(text: str) -> list[bytes]:
    """Cut text into blocks of about BLOCK bytes, each ending at a line end."""
    out, cur, size = [], [], 0
    for line in text.encode("utf-8").splitlines(keepends=True):
        cur.append(line)
        size += len(line)
        if size >= BLOCK:
            out.append(b"".join(cur))
            cur, size = [], 0
    if cur:
        out.append(b"".join(cur))
    return out


def split(text: str) -> tuple[bytes, bytes]:
    """Held-out validation blocks and (strided, capped) training blocks."""
    bs = blocks(text)
    val = b"".join(b for i, b in enumerate(bs) if i % VAL_EVERY == 0)[:MAX_VAL]
    train_blocks = [b for i, b in enumerate(bs) if i % VAL_EVERY != 0]
    total = sum(len(b) for b in train_blocks)
    stride = max(1, -(-total // MAX_TRAIN))
    train = b"".join(train_blocks[::stride])[:MAX_TRAIN]
    return train, val


def build(out: Path = OUT) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (read, source) in SOURCES.items():
        train, val = split(read())
        for part, data in (("train", train), ("val", val)):
            with open(out / f"{name}.{part}.gz", "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))
        manifest[name] = {"source": source, "train_bytes": len(train), "val_bytes": len(val),
                          "sha256_train": hashlib.sha256(train).hexdigest()}
        print(f"{name:10s} train {len(train):>10,} val {len(val):>8,} bytes", file=sys.stderr)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


if __name__ == "__main__":
    build()
