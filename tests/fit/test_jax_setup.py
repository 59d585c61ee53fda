"""Where compiled programs are cached (bayeslaw._jax): the env settings are honoured."""

from bayeslaw import _jax


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("BAYESLAW_JAX_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _jax.cache_dir() == str(tmp_path / "bayeslaw" / "jax")
    monkeypatch.setenv("BAYESLAW_JAX_CACHE", str(tmp_path / "mine"))
    assert _jax.cache_dir() == str(tmp_path / "mine")
    for off in ("off", "0", ""):
        monkeypatch.setenv("BAYESLAW_JAX_CACHE", off)
        assert _jax.cache_dir() is None
