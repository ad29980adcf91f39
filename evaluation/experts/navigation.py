"""Navigation entries of the evaluation area 'experts' (ground.registry collects them on import)."""
