"""How well the quickstart's domain not yet measured (``new-1``, drawn from the fitted
population of domains) predicts a real domain the fit never saw: bible, whose runs are in
the split-validation records (seed 0, the same grid as the imported runs), beside the
three measured domains on their own runs.

Per domain: mean |relative error| and mean signed error of the predictive median, the
share of measured losses inside the 90% predictive interval (law plus fitted noise), the
mean relative width of that interval, and the two N = 307,920 runs.

    python studies/quickstart/new_domain_check.py out/quickstart/posterior.nc
"""

import csv
import sys
from pathlib import Path

import numpy as np

from bayeslaw.fit.posterior import Posterior
from bayeslaw.population import with_new_domains
from bayeslaw.report.predictive import mean_loss, predictive

RECORDS = Path(__file__).resolve().parent.parent / "split-validation" / "records"


def main(path: str) -> None:
    post = Posterior.load(path)
    draws = with_new_domains(post.draws, 1, key=0)  # key 0: the planner's default seed
    rows = []
    for name in ("sweep.csv", "holdout.csv"):
        with open(RECORDS / name, newline="") as f:
            rows += [r for r in csv.DictReader(f) if r["seed"] == "0"]
    for domain, target in (("bible", "new-1"), ("python", "python"), ("foldoc", "foldoc"),
                           ("wordnet", "wordnet")):
        rs = [r for r in rows if r["domain"] == domain]
        N, D, Dp, y = (np.array([float(r[k]) for r in rs]) for k in
                       ("params", "pretrain_tokens", "specialize_tokens", "loss"))
        q05, q50, q95 = np.quantile(predictive(mean_loss(draws, target, N, D, Dp), post.noise),
                                    [0.05, 0.5, 0.95], axis=0)
        big, inside = N > 3e5, np.mean((y >= q05) & (y <= q95))
        print(f"{domain} as {target}: {len(y)} runs, |rel err| {np.mean(abs(q50 - y) / y):.1%}, "
              f"signed {np.mean((q50 - y) / y):+.1%}, inside 90% {inside:.0%}, "
              f"90% width {np.mean((q95 - q05) / q50):.1%}; N = 307,920: measured "
              f"{np.round(y[big], 3)}, predicted {np.round(q50[big], 3)}")


if __name__ == "__main__":
    main(sys.argv[1])
