"""Navigation entries of the evaluation area 'indicators' (ground.registry collects them on import)."""
