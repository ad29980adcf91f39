"""Navigation entries of the evaluation area 'feedback' (ground.registry collects them on import)."""
