"""ArviZ, imported once without its import-time FutureWarning about the 1.x refactor
(we pin the 0.x InferenceData API; the warning is noise to our users and an error in
our tests)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az  # noqa: F401

__all__ = ["az"]
