"""The matcher: candidate generation, scoring with reasons, and match cycles."""
