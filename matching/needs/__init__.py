"""Enterprise profiles, technology needs (the needs sheet, the needs board) and profile suggestions."""
