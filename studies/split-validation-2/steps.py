"""The steps of split-validation-2, run by ``bayeslaw study run study.toml`` (``[study]
steps`` names this file; :mod:`bayeslaw.flow.steps` loads the folder as a package):
corpus -> sweep -> fit -> calibrate -> decision (the plan and the measured share curve) ->
holdout -> extrapolation -> campaigns -> active -> report. Every training step writes its
own run store under ``[study] out`` and resumes when re-run; ``--steps`` runs some."""

from __future__ import annotations

from . import active2, curve, fitting, training, writeup2

STEPS = {"corpus": training.corpus, "sweep": training.sweep, "fit": fitting.fit,
         "calibrate": fitting.calibrate, "decision": curve.decision,
         "holdout": training.holdout, "extrapolation": fitting.extrapolation,
         "campaigns": active2.campaigns, "active": active2.active, "report": writeup2.report}
