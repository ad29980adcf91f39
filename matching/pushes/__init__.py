"""Pushes: the enterprise inbox, answers, and the responses institutions and provinces see."""
