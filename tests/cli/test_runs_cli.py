"""The CLI's exit codes and output conventions, run as real processes."""

import json
import subprocess
import sys

HEADER = "N,D,D_prime,domain,loss\n"


def bayeslaw(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "bayeslaw", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def _csv(path, rows, start=0):
    lines = (f"{10**5 + i},{1000 * (i + 1)},{i % 7},d{i % 3},{2 + i / 1e5}\n"
             for i in range(start, start + rows))
    path.write_text(HEADER + "".join(lines))
    return path


def test_import_list_export_json(tmp_path):
    db = str(tmp_path / "s.db")
    r = bayeslaw("runs", "import", str(_csv(tmp_path / "a.csv", 20)), "--store", db, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"imported": 20, "skipped_duplicates": 0, "store": db,
                                    "rejected": []}
    r = bayeslaw("runs", "list", "--store", db, "--json", "--domain", "d1")
    records = json.loads(r.stdout)
    assert r.returncode == 0 and len(records) == 7 and {x["domain"] for x in records} == {"d1"}
    out = tmp_path / "out.jsonl"
    assert bayeslaw("runs", "export", str(out), "--store", db).returncode == 0
    db2 = str(tmp_path / "s2.db")
    assert bayeslaw("runs", "import", str(out), "--store", db2).returncode == 0
    again = json.loads(bayeslaw("runs", "list", "--store", db2, "--json").stdout)
    assert again == json.loads(bayeslaw("runs", "list", "--store", db, "--json").stdout)


def test_one_bad_row_imports_nothing_and_exits_2(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "100,10,0,a,2.0\n100,10,0,a,-3\n100,10,0,a,2.0\n")
    db = str(tmp_path / "s.db")
    r = bayeslaw("runs", "import", str(f), "--store", db)
    assert r.returncode == 2
    assert f"{f}:3: loss must be > 0" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "s.db").exists()  # a failed import leaves no new store
    r = bayeslaw("runs", "import", str(f), "--store", db, "--skip-invalid", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["imported"] == 2
    assert "bad.csv:3" in r.stderr


def test_usage_and_input_errors_exit_2_without_traceback(tmp_path):
    for args in (["runs", "import", str(tmp_path / "missing.csv")],
                 ["runs", "list", "--store", str(tmp_path / "none.db")],
                 ["runs", "frobnicate"], ["no-such-command"]):
        r = bayeslaw(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_help_everywhere():
    for args in ([], ["runs"], ["runs", "import"], ["runs", "list"], ["runs", "export"]):
        r = bayeslaw(*args, "--help")
        assert r.returncode == 0 and "usage:" in r.stdout


def test_two_processes_import_concurrently(tmp_path):
    db = str(tmp_path / "s.db")
    files = [_csv(tmp_path / "a.csv", 3000), _csv(tmp_path / "b.csv", 3000, start=3000)]
    procs = [subprocess.Popen([sys.executable, "-m", "bayeslaw", "runs", "import", str(f),
                               "--store", db], stderr=subprocess.PIPE, text=True) for f in files]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    records = json.loads(bayeslaw("runs", "list", "--store", db, "--json").stdout)
    assert len(records) == 6000 and len({r["run_id"] for r in records}) == 6000
    assert sorted(r["params"] for r in records) == [10**5 + i for i in range(6000)]


def test_bundled_epoch_runs_import_once(tmp_path):
    db = str(tmp_path / "s.db")
    first = bayeslaw("runs", "import", "--epoch", "--store", db, "--json")
    again = bayeslaw("runs", "import", "--epoch", "--store", db, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["imported"] == 240
    assert json.loads(again.stdout)["skipped_duplicates"] == 240
    both = bayeslaw("runs", "import", "x.csv", "--epoch", "--store", db)
    assert both.returncode == 2 and "one of them" in both.stderr
