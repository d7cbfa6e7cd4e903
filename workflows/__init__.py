"""Durable lifecycles (Temporal workflows). They orchestrate and wait; they never decide eligibility."""
