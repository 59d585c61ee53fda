"""The sampler's plumbing: compiled once per shape without going stale; whitening keeps
the documented priors."""

import numpy as np
import pytest
from scipy import stats

from bayeslaw.fit import data as fit_data
from bayeslaw.fit import fit, nuts
from bayeslaw.fit import priors as fit_priors
from bayeslaw.laws import get
from tests.fit.sim import TRUTH, simulate

SETTINGS = {"chains": 2, "warmup": 60, "samples": 40, "seed": 7, "escalate": 0}


def test_cached_sampler_reused_on_new_data_gives_the_fresh_draws():
    law = get("chinchilla")
    a = simulate(law, TRUTH["chinchilla"], n=30, seed=1)
    b = simulate(law, {**TRUTH["chinchilla"], "alpha": 0.3}, n=30, seed=2)
    nuts._mcmc.cache_clear()
    fresh = fit(b, "chinchilla", **SETTINGS)
    nuts._mcmc.cache_clear()
    fit(a, "chinchilla", **SETTINGS)
    again = fit(b, "chinchilla", **SETTINGS)  # same shapes as a: the compiled sampler
    assert nuts._mcmc.cache_info().hits == 1
    for p in law.params:
        np.testing.assert_array_equal(again.draws.params[p], fresh.draws.params[p])


def _prior_latents(law, resolved, data, n=4000):
    """Draws of the latents ``u`` as the model samples them (whitened by ``data``)."""
    import jax
    import numpyro
    from numpyro.infer import Predictive

    from bayeslaw.fit.model import latents

    def u_only(data):
        for name, v in latents(law, resolved, data).items():
            numpyro.deterministic(f"u_{name}", v)

    out = Predictive(u_only, num_samples=n)(jax.random.PRNGKey(0), data)
    return {k[2:]: np.asarray(v) for k, v in out.items() if k.startswith("u_") and k != "u_std"}


@pytest.mark.parametrize("law_name", ["chinchilla", "effective_transfer"])
def test_whitened_latents_keep_the_documented_prior(law_name):
    from bayeslaw.fit.start import start

    law = get(law_name)
    runs = simulate(law, TRUTH["chinchilla"] | {"tau": 0.5}, n=30, seed=3)
    fdata = fit_data.from_runs(runs, law)
    resolved = fit_priors.resolve()
    st = start(law, fdata, resolved)
    assert st["whiten"][0, 0] < 0.1  # a real start: far narrower than the prior
    u = _prior_latents(law, resolved, {**fdata.arrays, **st})
    for name, draws in u.items():
        prior = resolved[name]
        assert stats.kstest(draws, "norm", args=(prior["loc"], prior["scale"])).pvalue > 1e-3, name
    corr = np.corrcoef(np.stack(list(u.values())))
    assert np.max(np.abs(corr - np.eye(len(corr)))) < 0.1  # independent, as documented


def test_padding_leaves_the_density_unchanged_and_reuses_the_sampler():
    """FitData.padded: the padded runs are masked out of the likelihood (same log density
    as the unpadded data), and a refit with a few more runs in the same bucket finds the
    compiled sampler again."""
    import jax
    from numpyro.infer.util import log_density

    from bayeslaw.fit.model import make_model

    assert [fit_data.bucket(n) for n in (1, 8, 16, 17, 32, 33, 64, 65, 200)] == \
        [16, 16, 16, 32, 32, 64, 64, 128, 256]
    law = get("chinchilla")
    runs = simulate(law, TRUTH["chinchilla"], n=10, seed=4)
    fdata = fit_data.from_runs(runs, law)
    padded, y = fdata.padded()
    assert len(y) == 16 and padded["mask"].sum() == 10
    model = make_model(law, fit_priors.freeze(fit_priors.resolve()), 1)
    params = {"u_std": jax.numpy.full(len(law.params) + 1, 0.3), "nu": 7.0}
    full = log_density(model, (padded, y), {}, params)[0]
    plain = log_density(model, (fdata.arrays, fdata.log_loss), {}, params)[0]
    np.testing.assert_allclose(full, plain, rtol=1e-12)
    nuts._mcmc.cache_clear()
    fit(runs, "chinchilla", **SETTINGS)
    post = fit(runs + simulate(law, TRUTH["chinchilla"], n=2, seed=5), "chinchilla", **SETTINGS)
    assert nuts._mcmc.cache_info().hits == 1
    assert post.idata.log_likelihood["log_loss"].shape[-1] == 12  # the real runs only


def test_partial_centring_keeps_the_pooled_prior():
    """u_d = mu + sd^(1-c) (x_d - c mu), x_d ~ N(c mu, sd^c) is N(mu, sd) for every c."""
    import jax
    import jax.numpy as jnp
    import numpyro
    from numpyro.infer import Predictive

    from bayeslaw.fit.model import _per_domain

    c = jnp.array([0.0, 0.3, 0.8, 1.0])

    def pooled():
        numpyro.deterministic("u", _per_domain("G", 0.7, 4, 0.5, {"centring_G": c}))

    cond = numpyro.handlers.condition(pooled, {"u_G_sd": 0.4})
    u = np.asarray(Predictive(cond, num_samples=4000)(jax.random.PRNGKey(1))["u"])
    for d in range(4):
        assert stats.kstest(u[:, d], "norm", args=(0.7, 0.4)).pvalue > 1e-3, float(c[d])
