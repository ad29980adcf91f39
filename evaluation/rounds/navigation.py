"""Navigation entries of the evaluation area 'rounds' (ground.registry collects them on import)."""
