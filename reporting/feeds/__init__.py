"""Reporting area 'feeds': province data interfaces (pull API with a cursor, signed HTTP push)."""
