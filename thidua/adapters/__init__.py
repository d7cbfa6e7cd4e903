"""Adapters: the database, Temporal, documents and files, behind the use cases' ports."""
