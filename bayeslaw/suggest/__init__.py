"""Active experiment suggestions: the next runs that most reduce the planning
decision's expected regret per FLOP (see docs/suggest.md)."""

from bayeslaw.suggest.candidates import Candidate, Menu, batch_cost, enumerate_candidates
from bayeslaw.suggest.select import Settings, Suggestion, suggest

__all__ = ["Candidate", "Menu", "Settings", "Suggestion", "batch_cost", "enumerate_candidates",
           "suggest"]
