"""One run spec, executed: pretrain with stable checkpoints, then cooldowns and
specializations branched from each checkpoint, every point recorded once.

Token accounting (what the records say):

- a checkpoint at step s has seen D = s * B * T mixture tokens (warmup included);
- its D' = 0 point is the checkpoint plus a cooldown of ``cooldown * D`` mixture
  tokens, recorded with ``pretrain_tokens = D + cooldown tokens`` and D' = 0;
- a specialization from it is recorded with ``pretrain_tokens = D`` and D' = every
  domain token it trained on, its own decay included.

Resuming: checkpoints are files named by their id; a re-issued spec loads the latest
checkpoint of its stream instead of retraining, and skips points already recorded.
Between checkpoints, every stream is saved too (every ``Options.save_every_s``
seconds, and a specialization stream at each D' branch point): pretraining until its
next checkpoint, specializations, decays and cooldowns until their point is recorded,
so a kill costs at most that much training.
Workers sharing a pretraining stream take a lock on it while reaching a step: the
second one waits, then loads what the first saved.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from bayeslaw.errors import BayeslawError
from bayeslaw.runs import Checkpoint, RunStore
from trainer import checkpoints as files
from trainer import device as dev
from trainer import domains as dom
from trainer import records as rec
from trainer import schedule
from trainer.checkpoints import sha256
from trainer.data import Mixture
from trainer.engine import Diverged, Optim, Trainer
from trainer.model import non_embedding_params, train_flops_per_token
from trainer.sizing import size_for
from trainer.spec import RunSpec, TrainSettings, digest, stream_key


@dataclasses.dataclass(frozen=True)
class Options:
    """Where and how to run (not part of any result's identity)."""

    store: str
    checkpoint_dir: str | None = None  # default: next to the store
    device: str = "auto"
    threads: int | None = None
    compile: bool = False
    progress: bool = True
    user_domains: dict[str, str] = dataclasses.field(default_factory=dict)
    max_hours: float | None = 24.0  # refuse a spec estimated to take longer (None: no limit)
    # save a stream between checkpoints after this many seconds, or after 20x the last
    # save's time if longer (saving costs <= 5%); 0: at every 10-step check, whatever
    # the cost; None: never (specialization streams still at their D' branch points)
    save_every_s: float | None = 2.0

    def ckpt_dir(self) -> Path:
        return Path(self.checkpoint_dir or f"{os.path.splitext(self.store)[0]}-checkpoints")


class TooLong(BayeslawError):
    """A spec whose estimated training time is beyond :attr:`Options.max_hours`."""


def intact(ckpt: Checkpoint) -> bool:
    """Whether a checkpoint's file is there with the size and hash recorded when it was
    written (a checkpoint recorded before hashes were kept passes on existence)."""
    p = Path(ckpt.path)
    if not p.is_file():
        return False
    if ckpt.size is not None and p.stat().st_size != ckpt.size:
        return False
    return ckpt.sha256 is None or sha256(p) == ckpt.sha256


def _steps(spec: RunSpec, tps: int) -> list[int]:
    top = max(1, round(spec.pretrain_tokens / tps))
    return sorted({max(1, top >> k) for k in range(max(1, spec.checkpoints))})


def _check(spec: RunSpec, settings: TrainSettings, opts: Options) -> list[str]:
    if spec.specialize_tokens and spec.pretrain_tokens <= 0 and not spec.checkpoint:
        raise BayeslawError("D' > 0 needs a base: give pretrain_tokens > 0 or a checkpoint id")
    if spec.pretrain_tokens <= 0 and not spec.checkpoint:
        raise BayeslawError("pretrain_tokens must be > 0 (or branch from a checkpoint)")
    mixture = list(settings.mixture) or dom.names()
    for name in [*mixture, *spec.domains]:
        dom.load(name, opts.user_domains)
    return mixture


def train_tokens(spec: RunSpec, settings: TrainSettings, n_domains: int) -> float:
    """Tokens a spec trains on, about: the pretraining stream to D, a cooldown of
    ``cooldown * D_i`` at each geometric checkpoint D_i (sum < 2 cooldown D), and from
    each checkpoint one stream per domain to the largest D' plus a decay branch of
    ``specialize_decay * D'`` per other D'."""
    n_ckpt = 1 if spec.checkpoint else max(1, spec.checkpoints)
    dp = sorted(spec.specialize_tokens)
    per_domain = (dp[-1] + settings.specialize_decay * sum(dp[:-1])) if dp else 0.0
    return (spec.pretrain_tokens * (1 + 2 * settings.cooldown)
            + n_ckpt * n_domains * per_domain)


ASSUMED_MFU = 0.5  # the best model FLOP utilization bench_trainer measured on CPU (~52%)


def estimate_seconds(spec: RunSpec, settings: TrainSettings, opts: Options,
                     n_domains: int) -> tuple[float, str]:
    """A lower bound on a spec's training time: its FLOPs (tokens x the model's
    training FLOPs per token) at ``ASSUMED_MFU`` of the device's measured matmul peak;
    and a sentence saying so."""
    cfg = size_for(spec.params, block_size=settings.block_size)
    flops = train_tokens(spec, settings, n_domains) * train_flops_per_token(cfg)
    device = dev.pick(opts.device)
    peak = dev.matmul_peak(device)
    seconds = flops / (ASSUMED_MFU * peak)
    return seconds, (f"{flops:.3g} training FLOPs at {ASSUMED_MFU:.0%} of {device}'s "
                     f"measured {peak / 1e9:.0f} GFLOP/s")


def check(spec: RunSpec, settings: TrainSettings, opts: Options) -> None:
    """Raise a clear :class:`BayeslawError` for a spec that cannot run, before any work:
    unknown domains, an impossible size, or (:class:`TooLong`) an estimated time beyond
    ``opts.max_hours``."""
    mixture = _check(spec, settings, opts)
    size_for(spec.params, block_size=settings.block_size)
    if opts.max_hours is not None:
        seconds, how = estimate_seconds(spec, settings, opts, len(spec.domains or mixture))
        if seconds > 3600 * opts.max_hours:
            raise TooLong(f"run spec N={spec.params:.3g}, D={spec.pretrain_tokens:.3g}: "
                          f"estimated {seconds / 3600:.3g} hours ({how}), beyond the "
                          f"{opts.max_hours:g} h limit")


class SpecRun:
    """The state of executing one spec (see the module docstring)."""

    def __init__(self, spec: RunSpec, settings: TrainSettings, opts: Options):
        self.spec, self.settings, self.opts = spec, settings, opts
        self.mixture = _check(spec, settings, opts)
        self.cfg = size_for(spec.params, block_size=settings.block_size)
        self.device = dev.pick(opts.device)
        threads = dev.set_threads(opts.threads) if self.device == "cpu" else 0
        self.data_version = digest(dom.manifest(), opts.user_domains)
        self.key = stream_key(self.cfg.to_dict(), settings, self.mixture, spec.seed,
                              self.data_version)
        self.sid = digest(settings.to_dict())
        self.record_domains = list(spec.domains) or self.mixture
        config = {"model": self.cfg.to_dict(), "settings": settings.to_dict(),
                  "spec": spec.to_dict(), "stream_key": self.key, "mixture": self.mixture,
                  "data_version": self.data_version}
        self.ctx = rec.Context(non_embedding_params(self.cfg), spec.seed, config, self.device,
                               threads, train_flops_per_token(self.cfg),
                               dev.matmul_peak(self.device))
        self.trainer = Trainer(self.cfg, Optim(settings.lr, settings.weight_decay,
                                               explode=settings.explode),
                               self._mixture(), batch_size=settings.batch_size,
                               device=self.device, compile=opts.compile, seed=spec.seed,
                               progress=opts.progress)
        self.tps = self.trainer.tokens_per_step

    def _mixture(self) -> Mixture:
        ds = [dom.load(n, self.opts.user_domains) for n in self.mixture]
        return Mixture(ds, self.settings.weights, self.settings.block_size, self.spec.seed)

    def ckpt_id(self, step: int) -> str:
        return "ckpt_" + digest(self.key, step)

    def points(self, step: int) -> list[rec.Point]:
        pts = [] if (self.spec.checkpoint and self.spec.specialize_tokens) else [
            rec.point(self.key, self.sid, "cooldown", d, step, 0) for d in self.record_domains]
        return pts + [rec.point(self.key, self.sid, "specialize", d, step, dp)
                      for d in self.record_domains for dp in sorted(self.spec.specialize_tokens)]

    # -- checkpoints ------------------------------------------------------------------
    def _path(self, step: int) -> Path:
        return self.opts.ckpt_dir() / f"{self.ckpt_id(step)}.pt"

    def _save(self, store: RunStore, step: int) -> None:
        """Write the checkpoint under a unique temporary name in its folder, then rename
        it into place (atomic: a kill leaves no half-written file, and two processes
        saving the same stream never write one temporary file); record its size and
        hash, which are checked before it is loaded."""
        path = self._path(step)
        old = [c for c in store.checkpoints(params=self.ctx.params)
               if c.ckpt_id == self.ckpt_id(step)]
        if not (old and intact(old[0])):
            files.write(self.trainer.state_dict(), path)
        store.add_checkpoint(Checkpoint(
            self.ckpt_id(step), self.ctx.params, step * self.tps, str(path.resolve()),
            self.spec.seed, None, time.strftime("%Y-%m-%dT%H:%M:%S"),
            dict(self.ctx.config, step=step, code_version=dev.code_version()),
            size=path.stat().st_size, sha256=sha256(path)))

    def _load_latest(self, store: RunStore, step: int) -> None:
        """Position the trainer at the latest intact saved step <= ``step`` of this
        stream; a truncated or altered file is skipped (an earlier one, or training
        from the start, takes its place)."""
        saved = sorted((c for c in store.checkpoints(params=self.ctx.params)
                        if c.config.get("stream_key") == self.key and c.config["step"] <= step
                        and c.config["step"] * self.tps > self.trainer.tokens),
                       key=lambda c: c.config["step"], reverse=True)
        for c in saved:
            if intact(c):
                self.trainer.load_state_dict(files.load(c.path, self.device))
                return

    def reach(self, store: RunStore, step: int) -> None:
        """Train (or load) the pretraining stream up to ``step``, then save it there.
        On the way it is saved like a specialization stream (``pre_`` files, cleared
        once the checkpoint is saved). Under the stream's lock: a worker sharing the
        stream waits, then loads what the other saved."""
        with files.locked(self.opts.ckpt_dir() / f".{self.key}.lock"):
            self._load_latest(store, step)
            stream = files.StreamFiles(self.opts.ckpt_dir(), "pre_" + self.key)
            saves = _StreamSaves(self, stream, 0)
            start = saves.resume(step)
            if start < step:
                phases = schedule.pretrain(start, step, self.settings.warmup_steps,
                                           self.settings.lr)
                self.trainer.run(phases, desc=f"pretrain N={self.ctx.params:,}",
                                 every_10=saves)
            self._save(store, step)
            stream.clear(step)

    # -- branches ---------------------------------------------------------------------
    def _evaluate(self, domains: list[str]) -> tuple[dict[str, float], float]:
        """Validation loss on the mixture's domains and on ``domains`` (the recorded ones,
        which need not be in the mixture), and the mixture's weighted loss."""
        names = list(dict.fromkeys([*self.mixture, *domains]))
        ds = [dom.load(n, self.opts.user_domains) for n in names]
        losses = self.trainer.evaluate(ds, self.settings.eval_tokens)
        w = {n: float(self.settings.weights.get(n, 1.0)) for n in self.mixture}
        mix = sum(w[n] * losses[n] for n in self.mixture) / sum(w.values())
        return losses, mix

    def _finish(self, p: rec.Point, *, D: int, Dp: int, parent: str, losses, mix, train_loss,
                tokens: int, seconds: float, t0: float, epochs) -> rec.Run:
        m = rec.metrics(self.ctx, losses=losses, mixture_loss=mix, train_loss=train_loss,
                        tokens=tokens, seconds=seconds, wall_s=time.perf_counter() - t0,
                        epochs=epochs)
        return rec.record(self.ctx, p, D=D, Dp=Dp, loss=losses[p.domain], parent=parent,
                          metrics=m)

    def _failed(self, points: list[rec.Point], reason: str, parent: str | None,
                ) -> list[rec.Run]:
        out = []
        for p in points:
            D = p.step * self.tps
            D = D + round(self.settings.cooldown * D) if p.kind == "cooldown" else D
            out.append(rec.record(self.ctx, p, D=D, Dp=p.dprime, loss=None, parent=parent,
                                  metrics={"reason": reason}, status="failed"))
        return out

    def _decay(self, steps: int, name: str, desc: str) -> tuple[float, files.StreamFiles]:
        """A decay of ``steps`` from the current state, saved like a specialization stream
        under ``name`` (which must say what determines it): a re-issued run resumes it at
        a 10-step boundary, so its last window, whose mean training loss is returned, is
        the uninterrupted one's. Returns that loss and the files, to clear once recorded."""
        stream = files.StreamFiles(self.opts.ckpt_dir(), name)
        saves = _StreamSaves(self, stream, self.trainer.tokens)
        phase = dataclasses.replace(schedule.decay(steps, self.settings.lr),
                                    start=saves.resume(steps - 1))
        return self.trainer.run([phase], desc=desc, every_10=saves), stream

    def cooldown(self, store: RunStore, step: int, pts: list[rec.Point]) -> list[rec.Run]:
        t0, s0, n0 = time.perf_counter(), self.trainer.train_seconds, self.trainer.tokens
        steps = max(1, round(self.settings.cooldown * step))
        loss, saved = self._decay(steps, "cool_" + digest(self.key, step, steps), "cooldown")
        losses, mix = self._evaluate([p.domain for p in pts])
        kw = dict(D=self.trainer.tokens, Dp=0, parent=self.ckpt_id(step), losses=losses,
                  mix=mix, train_loss=loss, tokens=self.trainer.tokens - n0,
                  seconds=self.trainer.train_seconds - s0, t0=t0,
                  epochs=self.trainer.data.epochs())
        runs = [self._finish(p, **kw) for p in pts]
        rec.add_once(store, runs, self.ctx)
        saved.clear()
        return runs

    def specialize(self, store: RunStore, step: int, domain: str, pts: list[rec.Point],
                   ) -> list[rec.Run]:
        """One stable stream on ``domain`` with a decay branch at each D' (in order), each
        point recorded as it is done. The stream starts from its latest saved position at
        or before the first pending branch (else from the checkpoint), and is saved at
        each branch and every ``save_every_s`` seconds (see :class:`_StreamSaves`);
        so are its decays. The files go once the points they serve are recorded."""
        base, out = self.trainer.tokens, []
        d = dom.load(domain, self.opts.user_domains)
        seed = int(digest(self.key, step, domain), 16) % 2**31
        self.trainer.data = Mixture([d], None, self.settings.block_size, seed)
        branches, start = [], 0  # (point, stable steps before its decay, decay steps)
        for p in sorted(pts, key=lambda p: p.dprime):
            total = max(1, round(p.dprime / self.tps))
            decay = max(1, round(self.settings.specialize_decay * total))
            start = max(start, total - decay)
            branches.append((p, start, decay))
        saves = _StreamSaves(self, files.StreamFiles(
            self.opts.ckpt_dir(), "spec_" + digest(self.key, step, domain)), base)
        pending = [s for p, s, _ in branches if p.run_id not in self.ctx.done]
        at = saves.resume(min(pending)) if pending else 0
        t0, s0 = time.perf_counter(), self.trainer.train_seconds
        for p, start, decay in branches:
            if start > at:
                self.trainer.run([schedule.stable(start - at, self.settings.lr)],
                                 desc=f"specialize {domain}", every_10=saves)
                at = start
            if p.run_id in self.ctx.done:
                continue
            saves(branch=True)
            snap = self.trainer.snapshot()
            loss, saved = self._decay(decay, "decay_" + digest(self.key, step, domain, at,
                                                               decay), "decay")
            losses, mix = self._evaluate([domain])
            run = self._finish(
                p, D=base, Dp=self.trainer.tokens - base, parent=self.ckpt_id(step),
                losses=losses, mix=mix, train_loss=loss, tokens=self.trainer.tokens - base,
                seconds=self.trainer.train_seconds - s0, t0=t0,
                epochs=self.trainer.data.epochs())
            rec.add_once(store, [run], self.ctx)
            saved.clear()
            out.append(run)
            self.trainer.load_state_dict(snap)
        saves.stream.clear()  # all its points recorded: a model + optimizer state less on disk
        return out

    # -- the whole spec ---------------------------------------------------------------
    def _branches(self, store: RunStore, step: int, pending: list[rec.Point]) -> None:
        main = self.trainer.snapshot()
        mix_data = self.trainer.data
        groups = [("cooldown", None)] + [("specialize", d) for d in self.record_domains]
        for kind, domain in groups:
            pts = [p for p in pending if p.kind == kind and (domain is None or p.domain == domain)]
            if not pts:
                continue
            try:
                runs = self.cooldown(store, step, pts) if domain is None else \
                    self.specialize(store, step, domain, pts)
            except Diverged as e:
                done = self.ctx.done
                runs = self._failed([p for p in pts if p.run_id not in done], str(e),
                                    self.ckpt_id(step))
            rec.add_once(store, runs, self.ctx)
            self.trainer.data = mix_data
            self.trainer.load_state_dict(main)

    def execute(self) -> list[rec.Run]:
        with RunStore(self.opts.store) as store:
            steps = self._plan(store)
            for i, step in enumerate(steps):
                pts = self.points(step)
                pending = [p for p in pts if p.run_id not in store.existing_ids([p.run_id])]
                self.ctx.done.update(p.run_id for p in pts if p not in pending)
                if not pending:
                    continue
                try:
                    self.reach(store, step)
                except Diverged as e:
                    later = [q for s in steps[i:] for q in self.points(s)]
                    rec.add_once(store, self._failed(later, str(e), None), self.ctx)
                    break
                self._branches(store, step, pending)
            ids = [p.run_id for s in steps for p in self.points(s)]
            return [store.get(r) for r in ids]

    def _plan(self, store: RunStore) -> list[int]:
        if not self.spec.checkpoint:
            return _steps(self.spec, self.tps)
        found = [c for c in store.checkpoints() if c.ckpt_id == self.spec.checkpoint]
        if not found or not intact(found[0]):
            raise BayeslawError(f"checkpoint {self.spec.checkpoint} is not in the store, or "
                                "its file is gone or altered (size or hash differs from the "
                                "record); see bayeslaw train --list-checkpoints")
        c = found[0]
        if c.config.get("stream_key") != self.key:
            raise BayeslawError(f"checkpoint {c.ckpt_id} was made with other settings, model "
                                "or seed than this spec; use the same ones")
        return [c.config["step"]]


class _StreamSaves:
    """When to save a stream between checkpoints (pretraining, a specialization, a
    decay; ``position`` counts its steps from ``base`` tokens): after ``save_every_s``
    seconds (or, when positive, 20 times the last save's duration if longer: saving then
    costs at most 5%), checked every 10 steps, where the engine's divergence check falls,
    so a resumed stream checks the same windows as an uninterrupted one; and when called
    with ``branch=True`` (a specialization's D' branch points)."""

    def __init__(self, run: SpecRun, stream: files.StreamFiles, base: int):
        self.run, self.stream, self.base = run, stream, base
        self.at, self.last, self.cost = self.position(), time.monotonic(), 0.0

    def position(self) -> int:
        return (self.run.trainer.tokens - self.base) // self.run.tps

    def resume(self, at_most: int) -> int:
        """Load the latest saved position <= ``at_most`` if it is ahead of the current
        one; returns the position."""
        found = self.stream.latest(at_most, self.run.device)
        if found is not None and found[0] > self.at:
            self.at = found[0]
            self.run.trainer.load_state_dict(found[1])
        return self.at

    def __call__(self, branch: bool = False) -> None:
        every = self.run.opts.save_every_s
        wait = every and max(every, 20 * self.cost)
        due = every is not None and time.monotonic() - self.last >= wait
        if (branch or due) and self.position() != self.at:
            t = time.monotonic()
            self.stream.save(self.run.trainer.state_dict(), self.position())
            now = time.monotonic()
            self.at, self.last, self.cost = self.position(), now, now - t


def execute(spec: RunSpec, settings: TrainSettings, opts: Options) -> list[rec.Run]:
    """Run ``spec`` to completion (resuming what exists); returns all its records."""
    return SpecRun(spec, settings, opts).execute()
