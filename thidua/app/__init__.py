"""The use cases: what the product does, over a unit of work; no HTTP, CLI or storage details."""
