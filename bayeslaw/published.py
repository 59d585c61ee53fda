"""Published scaling-law parameters: an allocation for people who have no runs yet.

A zero-fit plan, as kyo-takano/chinchilla offers: a paper's point estimate of a law's
parameters stands in for a posterior, as one draw (:meth:`bayeslaw.draws.Draws.point`),
and the planner optimizes it. One draw has no spread, so such a plan carries **no
uncertainty**: its intervals are points and its expected regret is 0 by construction,
not because the law is known. Fit your own runs for a posterior.

Bundled, for the Chinchilla law L = E + A N^-alpha + B D^-beta (D' = 0):

- ``hoffmann2022``: Hoffmann et al. 2022, "Training Compute-Optimal Large Language
  Models" (arXiv 2203.15556), approach 3 (section 3.3, the parametric fit of the loss):
  E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28.
- ``epoch2024``: Besiroglu, Erdil, Barnett and You 2024, "Chinchilla Scaling: A
  replication attempt" (arXiv 2404.10102), the Huber fit of Hoffmann et al.'s runs
  re-extracted from their figure 4 (the five highest-loss runs excluded; see
  bayeslaw/data/README.md): E = 1.82, A = 482.01, B = 2085.43, alpha = 0.3478,
  beta = 0.3658.

A user's own file is TOML::

    law = "chinchilla"            # any registered law (bayeslaw laws)
    source = "our 2025 sweep"     # where the numbers come from (printed with the plan)
    domains = ["web"]             # optional; per-domain symbols then take a list
    [params]
    E = 1.7
    A = 400.0
    alpha = 0.34
    B = 410.0
    beta = 0.28

Every symbol of the law must be given, each a number > 0; an unknown key is an error.
:func:`check_spec` (a bundled name, or a .toml file that exists) imports nothing more
than the standard library, so the CLI checks ``--published`` before jax loads; the
file's symbols are checked against its law by :func:`load`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayeslaw import checks
from bayeslaw.errors import BayeslawError


@dataclass(frozen=True)
class Published:
    """A law's published point parameters and where they come from."""

    name: str
    law: str
    params: dict[str, Any]
    source: str
    domains: tuple[str, ...] = ("default",)
    notes: str = field(default="", compare=False)

    def draws(self):
        """The parameters as one draw (:class:`~bayeslaw.draws.Draws`), for the planner."""
        from bayeslaw.draws import Draws  # the laws load jax: not while the CLI checks args

        return Draws.point(self.law, self.params, self.domains)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "law": self.law, "params": dict(self.params),
                "source": self.source, "domains": list(self.domains)}


HOFFMANN = "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models " \
    "(arXiv 2203.15556), approach 3 (section 3.3)"
EPOCH = "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt (arXiv 2404.10102), " \
    "the Huber fit of Hoffmann et al.'s runs re-extracted by Epoch AI"

BUNDLED: dict[str, Published] = {
    "hoffmann2022": Published(
        "hoffmann2022", "chinchilla",
        {"E": 1.69, "A": 406.4, "alpha": 0.34, "B": 410.7, "beta": 0.28}, HOFFMANN),
    "epoch2024": Published(
        "epoch2024", "chinchilla",
        {"E": 1.82, "A": 482.01, "alpha": 0.3478, "B": 2085.43, "beta": 0.3658}, EPOCH),
}
_KEYS = ("name", "law", "source", "domains", "params")


def check_spec(spec: str | os.PathLike, name: str = "published parameters") -> str:
    """``spec`` if it names a bundled set or an existing .toml file, else an error."""
    text = str(spec)
    if text in BUNDLED:
        return text
    path = Path(text)
    if path.suffix.lower() != ".toml":
        raise BayeslawError(f"{name} must be a bundled set ({', '.join(BUNDLED)}) or a .toml "
                            f"file of your own (got {text!r})")
    if not path.is_file():
        raise BayeslawError(f"{name} {path}: no such file")
    return text


def load(spec: str | os.PathLike) -> Published:
    """A bundled parameter set by name (:data:`BUNDLED`) or a TOML file (module docstring).

    Raises
    ------
    BayeslawError
        An unknown name, a missing or malformed file, an unknown key or law, a missing
        symbol, a value that is not a number > 0.
    """
    text = check_spec(spec)
    if text in BUNDLED:
        return BUNDLED[text]
    path = Path(text)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise BayeslawError(f"{path}: not valid TOML ({e})") from None
    return _from_toml(doc, path)


def _from_toml(doc: dict, path: Path) -> Published:
    unknown = [k for k in doc if k not in _KEYS]
    if unknown:
        raise BayeslawError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    law = _law(checks.text(doc.get("law"), f"{path}: law"), path)
    params = doc.get("params")
    if not isinstance(params, dict):
        raise BayeslawError(f"{path}: a [params] table of the law's symbols is needed")
    domains = checks.text_list(doc.get("domains", ["default"]), f"{path}: domains")
    extra = [p for p in params if p not in law.params]
    missing = [p for p in law.params if p not in params]
    if extra or missing:
        raise BayeslawError(f"{path}: [params] " + (f"has no symbol {extra[0]!r}" if extra else
                            f"lacks {', '.join(missing)}") + f" (law {law.name}: "
                            f"{', '.join(law.params)})")
    values = {p: _value(params[p], p, p in law.domain_params, len(domains), path)
              for p in law.params}
    source = checks.text(doc.get("source", str(path)), f"{path}: source")
    return Published(str(doc.get("name", path.stem)), law.name, values, source, domains)


def _law(name: str, path: Path):
    from bayeslaw.laws import get  # the laws load jax: not while the CLI checks args

    try:
        return get(name)
    except Exception as e:  # the registry's own error names the known laws
        raise BayeslawError(f"{path}: {e}") from None


def _value(v: Any, name: str, per_domain: bool, n_domains: int, path: Path):
    where = f"{path}: params.{name}"
    if per_domain and isinstance(v, list):
        if len(v) != n_domains:
            raise BayeslawError(f"{where} has {len(v)} values for {n_domains} domain(s)")
        return [checks.positive(x, where) for x in v]
    return checks.positive(v, where)
