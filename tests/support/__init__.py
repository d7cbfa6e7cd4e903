"""What the tests (and the history recorders and benchmarks) share: stacks, drivers, builders.

No test module imports another test module, and no conftest imports a ``test_*.py``: what more
than one of them needs lives here, in a module named for what it holds. The pytest fixtures over
these helpers are declared in ``tests/conftest.py`` (used across directories) and in each
directory's ``conftest.py`` (used there only).

- ``db``: ``SeededDb`` (migrated, sample Department, tokens), SQLite URLs, PostgreSQL databases.
- ``settings``: ``fast_settings`` (a private task queue, optionally short deadlines).
- ``temporal``: the in-memory dev server and a client on a fresh namespace.
- ``harness``: an in-process worker; ``Harness`` driving NominationWorkflow via ``Lifecycle``.
- ``lifecycle_paths``: each lifecycle path driven to its end (recorded as replay fixtures).
- ``rounds``: ``Round``, driving a consolidation round (Office, council, Director).
- ``nominations``: sample facts and submission bodies; ``rulesets``: version 2 of the ruleset.
- ``stack``: real processes (``Proc``; ``Stack``: Temporal server, worker, API); ``free_port``.
- ``driver``: scripted lifecycles across crashes; ``checks``: nothing lost, nothing twice.
- ``scale``: the crash suite's size; ``receiver``: a counting webhook receiver.
- ``up``: ``Service``, a private ``thidua up``; ``api``: the app in process and ``Api``;
  ``cli``: ``Cli``; ``browser``: chromium settings and ``Console``; ``waits``: ``poll``.
"""
