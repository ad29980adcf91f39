"""Matchmaking events (对接活动 / 路演)."""
