"""The use cases' ports: what they need from the outside world, as Protocols.

``uow.py`` holds the unit of work and its transaction (``Tx``), which gives each area's store;
each other module declares one area's stores and gateways and the records they exchange. The
adapters implement them (``thidua.adapters.db``, ``thidua.adapters.temporal``, ...); the entry
points wire adapters into the use cases.
"""
