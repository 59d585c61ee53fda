"""Learning-rate schedules as data: a list of linear phases.

Warmup-stable-decay (WSD; Hu et al. 2024, MiniCPM; Hägele et al. 2024, "Scaling Laws
and Compute-Optimal Training Beyond Fixed Training Durations"): a linear warmup, a
long stable phase at the peak rate, and a short linear decay to zero that can be
branched off the stable phase at any point. Stable-phase checkpoints therefore serve
every budget: each D' = 0 point is a checkpoint plus its own decay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Phase:
    steps: int
    lr_start: float
    lr_end: float
    start: int = 0  # first step to run: a phase resumed part-way starts later
    stop: int | None = None  # step to stop before (default: the end of the phase)

    @property
    def end(self) -> int:
        return self.steps if self.stop is None else min(self.stop, self.steps)

    def lr(self, i: int) -> float:
        """Rate at step ``i`` of this phase (0-based), linear from start towards end."""
        return self.lr_start + (self.lr_end - self.lr_start) * i / max(1, self.steps)


def warmup(steps: int, peak: float) -> Phase:
    return Phase(steps, peak / max(1, steps), peak)


def stable(steps: int, peak: float) -> Phase:
    return Phase(steps, peak, peak)


def decay(steps: int, peak: float) -> Phase:
    """Linear decay from ``peak`` that reaches zero after the phase's last step."""
    return Phase(steps, peak, 0.0)


def pretrain(start: int, stop: int, warmup_steps: int, peak: float) -> list[Phase]:
    """Pretraining phases from step ``start`` to ``stop``: warmup then stable."""
    w = warmup(warmup_steps, peak)
    phases = []
    if start < warmup_steps:
        phases.append(replace(w, start=start, stop=min(stop, warmup_steps)))
    if stop > warmup_steps:
        phases.append(Phase(stop - warmup_steps, peak, peak, max(0, start - warmup_steps)))
    return phases
