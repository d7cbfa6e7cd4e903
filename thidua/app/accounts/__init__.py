"""Accounts: who may act, and how they prove it.

- ``users``: the operator's account administration (create, deactivate, list).
- ``tokens``: API tokens, stored only as SHA-256 hashes (issue, list, revoke).
- ``authentication``: an API request's bearer credential (our token, or a JWT of the
  configured identity provider) resolved to an ``Actor``.
- ``console``: console passwords (salted argon2id hashes) and server-side console sessions.

Every use case runs in the caller's transaction (``tx: Tx``) over ``tx.accounts``
(``thidua.app.ports.accounts.AccountStore``); refusals are ``Refusal`` naming the input at fault
as the use case knows it (``username``, ``role``, ``unit``, ``grants``, ``token``, ``password``).
"""
