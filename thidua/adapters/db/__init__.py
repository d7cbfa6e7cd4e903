"""Our own database: the system of record for nominations, steps, decisions and accounts."""
