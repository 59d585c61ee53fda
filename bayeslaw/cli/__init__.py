"""The ``bayeslaw`` command line: one entry point, one module per subcommand.

Its modules import the package's heavy parts (jax, numpyro, torch, matplotlib, the run
store's SQLite) inside the handlers, not at the top: ``bayeslaw --help`` and the argument
checks answer before any of them loads (tests/cli/test_bad_inputs.py checks it).
"""
