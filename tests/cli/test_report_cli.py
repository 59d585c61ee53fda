"""``bayeslaw report``: errors users meet (exit 2, one line). The full command on a
real fitted posterior is in tests/report/test_report_fit.py."""

import pytest

from bayeslaw.cli.main import main


@pytest.mark.parametrize("out", ["report.pdf", "report"])
def test_out_must_be_html_or_md(tmp_path, capsys, out):
    code = main(["report", "--posterior", str(tmp_path / "p.nc"), "--out", str(tmp_path / out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "give a .html or a .md file name" in err
    assert len(err.splitlines()) == 1


def test_missing_posterior_file(tmp_path, capsys):
    code = main(["report", "--posterior", str(tmp_path / "nope.nc"), "--out",
                 str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 2 and "no posterior file at" in err and "bayeslaw fit" in err


def test_posterior_of_the_wrong_kind(tmp_path, capsys):
    runs_csv = tmp_path / "runs.csv"
    runs_csv.write_text("params,pretrain_tokens,specialize_tokens,domain,loss\n1,2,3,a,2.5\n")
    code = main(["report", "--posterior", str(runs_csv), "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not a bayeslaw posterior file" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
