"""Side effects of the workflows: thin adapters over the service layer."""
