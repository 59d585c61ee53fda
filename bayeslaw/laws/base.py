"""What a scaling law is, for this package.

A law is a pure jax function ``log_loss(theta, N, D, D_prime)`` returning log L, in
the law's own symbols, built from a log-sum-exp of the log terms so that it stays
finite and accurate whatever the magnitudes (N ~ 1e5..1e12, D ~ 1e5..1e13).
``theta`` maps each parameter symbol to an array broadcastable against the inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp

Array = jnp.ndarray
LogLoss = Callable[[Mapping[str, Array], Array, Array, Array], Array]


@dataclass(frozen=True)
class Law:
    """A registered scaling law.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"chinchilla"``.
    equation : str
        The law as text, e.g. ``"L = E + A*N^-alpha + B*(D + D')^-beta"``.
    params : tuple of str
        Every parameter symbol, in a fixed order.
    domain_params : tuple of str
        The symbols that differ between domains (partially pooled across domains
        when several are fitted together); the others are shared.
    log_loss : callable
        ``log_loss(theta, N, D, D_prime) -> log L``.
    description : str
        What the parameters mean and the limits D' = 0 and D = 0.
    """

    name: str
    equation: str
    params: tuple[str, ...]
    domain_params: tuple[str, ...]
    log_loss: LogLoss
    description: str

    def loss(self, theta: Mapping[str, Array], N, D, D_prime) -> Array:
        """L(N, D, D') (the exponential of :attr:`log_loss`)."""
        return jnp.exp(self.log_loss(theta, N, D, D_prime))

    def evaluate(self, theta: Mapping[str, Array], N, D, D_prime) -> Array:
        """:attr:`log_loss` on concrete arrays as one compiled program per shape.

        Called eagerly, a law runs as a dozen separately dispatched (and, in a new
        process, separately compiled) jax operations; the report and the suggester
        evaluate laws on concrete grids of draws x points and use this instead.
        """
        return _evaluate(self, dict(theta), N, D, D_prime)

    @property
    def shared_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in self.domain_params)


@partial(jax.jit, static_argnums=0)
def _evaluate(law: Law, theta, N, D, D_prime):
    return law.log_loss(theta, N, D, D_prime)


def log_power(log_coef, exponent, x):
    """``log(C * x^-exponent)`` for ``x > 0``: ``log C - exponent * log x``."""
    return log_coef - exponent * jnp.log(x)


def log_sum(*log_terms):
    """``log(sum(exp(t)))`` over the terms, broadcasting them together."""
    terms = jnp.broadcast_arrays(*log_terms)
    return jnp.logaddexp.reduce(jnp.stack(terms), axis=0) if len(terms) > 2 else (
        jnp.logaddexp(*terms))


def log_pos(x, exponent=1.0):
    """``log(x^exponent)`` for ``x >= 0``: ``-inf`` at 0, with gradients that stay finite.

    For a term that vanishes at 0 tokens (``D'^beta`` at D' = 0): the plain
    ``beta * log 0`` gives the gradient ``log 0 = -inf`` in beta, and nan downstream.
    """
    pos = x > 0
    return jnp.where(pos, exponent * jnp.log(jnp.where(pos, x, 1.0)), -jnp.inf)
