"""Navigation entries of the evaluation area 'assessments' (ground.registry collects them on import)."""
