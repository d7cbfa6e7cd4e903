"""The domain: vocabulary, policy, refusals, labels, appraisal and money. No I/O, no SQLAlchemy,
Temporal or FastAPI; everything here is plain data and pure functions."""
