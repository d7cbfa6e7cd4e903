"""``python -m thidua.entrypoints.cli``: the same commands as the ``thidua`` script."""

from thidua.entrypoints.cli import main

main()
