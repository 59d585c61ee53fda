"""The general pretraining mixture of split-validation-2, built offline and deterministically.

Sources (Debian packages installed with ``apt-get install -y linux-doc-6.1 python3.11-doc
perl-doc``; see CORPUS.md for sizes and licenses), each read in sorted path order:

- ``linux-doc``: the kernel's Documentation tree, reStructuredText and plain text
  (``Documentation/**/*.rst.gz`` and ``*.txt.gz``);
- ``python-doc``: the Python 3.11 documentation's reStructuredText sources
  (``html/_sources/**/*.rst.txt``), not the HTML;
- ``perl-doc``: Perl's POD manuals (``*.pod`` of the package);
- ``perl-modules``: the source of Perl's core modules (``*.pm`` of ``perl-modules-5.36``,
  code with its POD), a second programming language beside the Python target;
- ``bundled``: the training text of the seven bundled domains (trainer/domains/*.train.gz;
  their validation text is never included, so the target domains' held-out bytes stay
  unseen).

All text is cut into blocks of ~4 KB at line ends (:func:`trainer.build_domains.blocks`),
the blocks of all sources are shuffled with a fixed seed, and written to :data:`SHARDS`
files ``general/shard-NNN.txt``. The trainer reads the folder as the user domain
``general=DIR`` (trainer/domains.py: sorted files, one in twenty held out for validation),
and its data stream reads consecutive windows from a random offset: the shuffle makes
any stretch of the stream a sample of every source in proportion to its size, instead of
one source's contiguous slice. The manifest (bytes per source, shard and total SHA-256,
package versions) is written next to the shards and copied into the study's records.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 40  # files; shards 0 and 20 are the trainer's validation files (5%)
SEED = 20261202
PACKAGES = ("linux-doc-6.1", "python3.11-doc", "perl-doc", "perl-modules-5.36")
LINUX = Path("/usr/share/doc/linux-doc-6.1/Documentation")
PYDOC = Path("/usr/share/doc/python3.11/html/_sources")


def _linux() -> list[bytes]:
    files = sorted(p for p in LINUX.rglob("*.gz") if p.name.endswith((".rst.gz", ".txt.gz")))
    return [gzip.open(p).read() for p in files]


def _pydoc() -> list[bytes]:
    return [p.read_bytes() for p in sorted(PYDOC.rglob("*.rst.txt"))]


def _package_files(package: str, suffix: str) -> list[bytes]:
    out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=True)
    files = sorted(Path(p) for p in out.stdout.split() if p.endswith(suffix))
    return [p.read_bytes() for p in files if p.is_file()]


def _bundled() -> list[bytes]:
    return [gzip.open(p).read() for p in sorted((ROOT / "trainer" / "domains").glob("*.train.gz"))]


SOURCES = {"linux-doc": _linux, "python-doc": _pydoc,
           "perl-doc": lambda: _package_files("perl-doc", ".pod"),
           "perl-modules": lambda: _package_files("perl-modules-5.36", ".pm"),
           "bundled": _bundled}


def versions() -> dict[str, str]:
    out = subprocess.run(["dpkg-query", "-W", *PACKAGES], capture_output=True, text=True)
    return dict(line.split("\t") for line in out.stdout.splitlines() if "\t" in line)


def build(out: Path, sources: tuple[str, ...] = tuple(SOURCES), shards: int = SHARDS,
          seed: int = SEED, max_bytes: int | None = None) -> dict:
    """Write the shuffled shards of ``sources`` (names of :data:`SOURCES`) to ``out`` and
    return the manifest (also written there as ``manifest.json``); ``max_bytes`` keeps
    the first shuffled blocks up to that size (a small corpus for tests). Deterministic:
    the same packages give the same bytes."""
    from trainer.build_domains import blocks

    allb, per, src = [], {}, []
    for name in sources:
        bs = [b for doc in SOURCES[name]() for b in blocks(doc.decode("utf-8", "replace"))]
        per[name] = {"blocks": len(bs), "bytes": sum(map(len, bs))}
        allb += bs
        src += [name] * len(bs)
    order = np.random.default_rng(seed).permutation(len(allb))
    if max_bytes is not None:
        keep = np.cumsum([len(allb[j]) for j in order]) <= max_bytes
        order = order[keep]
        for name in per:
            mine = [j for j in order if src[j] == name]
            per[name] = {"blocks": len(mine), "bytes": sum(len(allb[j]) for j in mine)}
    out.mkdir(parents=True, exist_ok=True)
    whole, shard_sha = hashlib.sha256(), []
    for i, part in enumerate(np.array_split(order, shards)):
        data = b"".join(allb[j] for j in part)
        (out / f"shard-{i:03d}.txt").write_bytes(data)
        whole.update(data)
        shard_sha.append(hashlib.sha256(data).hexdigest())
    total = sum(v["bytes"] for v in per.values())
    val = sum((out / f"shard-{i:03d}.txt").stat().st_size for i in range(0, shards, 20))
    manifest = {"sources": per, "total_bytes": total, "train_bytes": total - val,
                "val_bytes": val, "shards": shards, "seed": seed, "max_bytes": max_bytes,
                "sha256": whole.hexdigest(),
                "shard_sha256": shard_sha, "packages": versions()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def ensure(out: Path, sources: tuple[str, ...] = tuple(SOURCES), shards: int = SHARDS,
           max_bytes: int | None = None) -> dict:
    """Build unless ``out`` already holds a complete build of these settings; return the
    manifest."""
    m = out / "manifest.json"
    if m.exists():
        doc = json.loads(m.read_text())
        same = (doc["shards"], list(doc["sources"]), doc.get("max_bytes")) == (
            shards, list(sources), max_bytes)
        if same and all((out / f"shard-{i:03d}.txt").exists() for i in range(shards)):
            return doc
    return build(out, tuple(sources), shards, max_bytes=max_bytes)
