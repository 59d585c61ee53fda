"""The package's import layers, read from the source with ast (every import, also those
inside functions): runs -> fit -> posterior -> plan / suggest -> report, with the CLI at
the edge. Fails on a broken layer rule or on a module-level import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in (ROOT / "bayeslaw").rglob("*.py")}


def _targets(node) -> set[str]:
    """The bayeslaw modules an import statement loads (a submodule when it names one)."""
    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bayeslaw"):
        return {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES
                else node.module for a in node.names}
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name.startswith("bayeslaw")}
    return set()


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    out: set[str] = set()
    for node in nodes:
        for n in (ast.walk(node) if top_level_only else (node,)):
            if top_level_only and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                break
            out |= _targets(n)
    return out


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def broken_rules(files: dict[str, Path]) -> list[str]:
    """Every import of ``files`` (module name -> path) that breaks a layer rule."""
    out = []
    for mod, path in sorted(files.items()):
        here = _package(mod)
        for dep in sorted(imports(path)):
            there = _package(dep)
            if there == "bayeslaw.cli" and here != "bayeslaw.cli" and mod != "bayeslaw.__main__":
                out.append(f"{mod} imports the CLI ({dep}): only bayeslaw/cli may")
            if here == "bayeslaw.laws" and there in (
                    "bayeslaw.fit", "bayeslaw.plan", "bayeslaw.suggest", "bayeslaw.report"):
                out.append(f"{mod} imports {dep}: laws know nothing of fitting or planning")
            if here in ("bayeslaw.plan", "bayeslaw.suggest") and there == "bayeslaw.report":
                out.append(f"{mod} imports {dep}: the planner and the suggester render nothing")
            if here == "bayeslaw.fit" and there in (
                    "bayeslaw.plan", "bayeslaw.suggest", "bayeslaw.report"):
                out.append(f"{mod} imports {dep}: the fit knows nothing of its uses")
            if here == "bayeslaw.plan" and there in ("bayeslaw.fit", "bayeslaw.suggest"):
                out.append(f"{mod} imports {dep}: the planner takes draws, whatever made them")
            if here == "bayeslaw.report" and there in ("bayeslaw.plan", "bayeslaw.suggest"):
                out.append(f"{mod} imports {dep}: the report renders what it is given")
            if (there == "bayeslaw.flow" and here not in ("bayeslaw.cli", "bayeslaw.flow")
                    and not mod.startswith("studies")):
                out.append(f"{mod} imports {dep}: only the CLI and the studies drive the flow")
            if mod.startswith("trainer") and there in (
                    "bayeslaw.fit", "bayeslaw.plan", "bayeslaw.suggest", "bayeslaw.cli",
                    "bayeslaw.report", "bayeslaw.flow"):
                out.append(f"{mod} imports {dep}: the trainer produces runs, nothing else")
            if mod.startswith("studies") and there == "bayeslaw.cli":
                out.append(f"{mod} imports the CLI ({dep}): studies use the package")
    return out


def module_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components (more than one module) of ``graph`` (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _all_files() -> dict[str, Path]:
    files = dict(MODULES)
    for folder in ("trainer", "studies"):
        files.update({_module(p): p for p in (ROOT / folder).rglob("*.py")})
    return files


def test_no_layer_rule_is_broken():
    assert broken_rules(_all_files()) == []


def test_no_module_level_import_cycle():
    graph = {m: {d for d in imports(p, top_level_only=True) if d in MODULES and d != m}
             for m, p in MODULES.items()}
    assert module_cycles(graph) == []


@pytest.mark.parametrize("module, source, rule", [
    ("bayeslaw.flow.analysis", "from bayeslaw.cli.common import _clean\n", "imports the CLI"),
    ("studies.split-validation.steps", "from bayeslaw.cli.common import _clean\n",
     "studies use the package"),
    ("bayeslaw.laws.reference", "from bayeslaw.fit import priors\n", "laws know nothing"),
    ("bayeslaw.report.api", "def f():\n    from bayeslaw.flow.gather import report_inputs\n",
     "only the CLI and the studies drive the flow"),
    ("bayeslaw.report.gather", "from bayeslaw.plan import plan\n", "renders what it is given"),
    ("bayeslaw.fit.backtest", "from bayeslaw.plan.decision import widen\n",
     "knows nothing of its uses"),
    ("bayeslaw.suggest.loop", "import bayeslaw.report.model\n", "render nothing"),
    ("trainer.study", "from bayeslaw.flow.analysis import run_analysis\n",
     "the trainer produces runs"),
])
def test_the_rules_catch_the_arrows_of_issue_18(tmp_path, module, source, rule):
    """The backward arrows the house issue found, planted again: pipeline.py and the
    split-validation steps importing the CLI's _clean, laws/reference.py importing
    fit.priors, the report gathering (planning, suggesting) for itself, the loop beside
    the suggester, the study loader in the trainer."""
    path = tmp_path / "planted.py"
    path.write_text(source)
    assert any(rule in m for m in broken_rules({module: path}))


def test_a_cycle_is_found():
    assert module_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_at_any_level():
    """Function-level imports too: the fit's sampler, point fit, start and files no longer
    call each other in a circle (issue 18)."""
    graph = {m: {d for d in imports(p) if d in MODULES and d != m} for m, p in MODULES.items()}
    assert module_cycles(graph) == []


@pytest.mark.parametrize("arrows", [
    [("lbfgs", "bayes")],  # lbfgs -> bayes.log_lik_grid (bayes -> start -> lbfgs today)
    [("model", "start"), ("start", "model")],  # model -> start.prior_start, start -> model
])
def test_the_fit_cycle_of_issue_18_would_be_found(arrows):
    """The fit's old backward arrows, planted again in today's graph, make a cycle."""
    graph = {m: {d for d in imports(p) if d in MODULES and d != m} for m, p in MODULES.items()}
    for a, b in arrows:
        graph[f"bayeslaw.fit.{a}"] = graph[f"bayeslaw.fit.{a}"] | {f"bayeslaw.fit.{b}"}
    assert any(f"bayeslaw.fit.{arrows[0][0]}" in c for c in module_cycles(graph))
