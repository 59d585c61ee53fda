"""Every ```python block in docs/*.md and README.md, and every code cell of the
notebooks docs/*.ipynb, runs, in order per file.

Blocks in one file share a namespace (like a notebook) and run in a temporary
directory that has the repository's examples/ and studies/ next to it. A block
fenced as ```text or ```sh is not executed here (the CLI is covered by its own
tests); mark a Python block that must not run as ```python no-run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([*ROOT.glob("docs/*.md"), *ROOT.glob("docs/*.ipynb"), ROOT / "README.md"])
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(path: Path) -> list[str]:
    if path.suffix == ".ipynb":  # nbformat 4: cells with a list of source lines
        return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                if c["cell_type"] == "code"]
    return BLOCK.findall(path.read_text())


@pytest.mark.parametrize("doc", [d for d in DOCS if _blocks(d)], ids=lambda p: p.name)
@pytest.mark.filterwarnings("ignore::bayeslaw.fit.diagnostics.UnconvergedWarning")
def test_doc_examples_run(doc, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BAYESLAW_STORE", str(tmp_path / "bayeslaw.db"))
    namespace: dict = {"__name__": f"doc_{doc.stem}"}
    for i, code in enumerate(_blocks(doc)):
        try:
            exec(compile(code, f"{doc.name}[block {i}]", "exec"), namespace)
        except Exception as e:  # show which block of which doc broke
            raise AssertionError(f"{doc.name} block {i} failed: {e!r}\n{code}") from e
    assert os.getcwd() == str(tmp_path)
