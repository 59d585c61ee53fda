import dataclasses
import threading

import torch

from bayeslaw.runs import RunStore
from trainer import checkpoints as files
from trainer import engine
from trainer.runner import SpecRun, execute, intact
from trainer.spec import RunSpec

SPEC = RunSpec(params=3000, pretrain_tokens=16 * 32 * 24, specialize_tokens=(4096,),
               domains=("foldoc",), seed=3, checkpoints=2)


def test_two_saves_in_flight_write_distinct_temporary_files(tiny, opts, monkeypatch):
    run = SpecRun(SPEC, tiny, opts)
    folder, real_save, seen = opts.ckpt_dir(), torch.save, []

    def save_during_save(state, f):
        seen.append(sorted(p.name for p in folder.glob("*.tmp")))
        if len(seen) == 1:  # the first file is open: a second worker saves the same step
            run._save(store, 12)
        real_save(state, f)

    monkeypatch.setattr(files.torch, "save", save_during_save)
    with RunStore(opts.store) as store:
        run._save(store, 12)
        (ckpt,) = store.checkpoints()
    assert len(seen[0]) == 1 and len(seen[1]) == 2 and len(set(seen[1])) == 2
    assert intact(ckpt) and not list(folder.glob("*.tmp"))
    assert files.load(ckpt.path, "cpu")["tokens"] == 0


def test_a_stream_file_that_does_not_match_its_hash_is_skipped(tmp_path):
    stream = files.StreamFiles(tmp_path, "spec_x")
    first = stream.save({"at": torch.tensor(4)}, 4)
    second = stream.save({"at": torch.tensor(9)}, 9)
    assert not first.exists()  # an earlier position is deleted once a later one is saved
    assert stream.latest(100, "cpu")[0] == 9 and stream.latest(8, "cpu") is None
    first = stream.save({"at": torch.tensor(4)}, 4)  # another worker's, earlier position
    assert second.exists()
    with open(second, "r+b") as f:
        f.truncate(50)
    pos, state = stream.latest(100, "cpu")
    assert pos == 4 and int(state["at"]) == 4
    assert not list(tmp_path.glob("*.tmp"))


def test_two_workers_sharing_a_stream_pretrain_it_once(tiny, opts, tmp_path, monkeypatch):
    # Threads, not processes, to keep the test cheap: flock locks belong to an open file,
    # so two opens in one process exclude each other as two processes do.
    specs = [SPEC, dataclasses.replace(SPEC, domains=("python",))]  # one pretraining stream
    real_run, steps = engine.Trainer.run, []

    def counting(self, phases, desc="train", **kw):
        if desc.startswith("pretrain"):
            steps.append(sum(p.end - p.start for p in phases))
        return real_run(self, phases, desc, **kw)

    monkeypatch.setattr(engine.Trainer, "run", counting)
    runs = [SpecRun(s, tiny, opts) for s in specs]  # in turn: models seed torch's global RNG
    barrier, got = threading.Barrier(2), [None, None]

    def work(i):
        barrier.wait()
        got[i] = runs[i].execute()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert sum(steps) == 24  # the stream's 24 steps, once in all
    alone = dataclasses.replace(opts, store=str(tmp_path / "alone.db"))
    for spec, shared in zip(specs, got, strict=True):
        clean = execute(spec, tiny, alone)
        assert [r.run_id for r in shared] == [r.run_id for r in clean] and len(clean) == 4
        assert [r.loss for r in shared] == [r.loss for r in clean]
    with RunStore(opts.store) as store:
        assert store.count() == 8 and len(store.checkpoints()) == 2


def test_a_written_file_has_the_permissions_open_would_give(tmp_path):
    import os
    mask = os.umask(0o027)
    try:
        path = files.write({"x": torch.zeros(1)}, tmp_path / "c.pt")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o640  # not mkstemp's 0600
