from bayeslaw.suggest.candidates import Candidate, Menu, batch_cost
from bayeslaw.validate import uniform_grid

MENU = Menu((1000, 4000, 16000), (10_000, 20_000, 40_000), (0, 5_000, 20_000), ("a", "b"))


def test_grid_stays_within_its_compute_and_never_repeats():
    full = uniform_grid(MENU, 1e30)
    assert len(full) == 3 * 3 * 3 * 2 and len({c.key for c in full}) == len(full)
    for frac in (0.05, 0.2, 0.5):
        budget = frac * batch_cost(full)
        g = uniform_grid(MENU, budget)
        assert 0 < batch_cost(g) <= budget
        assert len({c.key for c in g}) == len(g)


def test_coarse_level_first_spans_the_menu():
    coarse = uniform_grid(MENU, batch_cost(uniform_grid(MENU, 1e30)) * 0.6)
    sizes = {c.params for c in coarse}
    assert {1000, 16000} <= sizes  # the extremes of each axis come first


def test_start_runs_are_kept_and_counted():
    start = [Candidate(1000, 10_000, 5_000, "a")]
    g = uniform_grid(MENU, batch_cost(start) + 6 * 4000 * 30_000, start=start)
    assert g[0] == start[0] and batch_cost(g) <= batch_cost(start) + 6 * 4000 * 30_000
