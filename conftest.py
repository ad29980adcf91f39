import os

# argon2 is deliberately slow; tests that don't test hashing use a fast hasher (see settings).
os.environ.setdefault("PATENTNAVI_FAST_HASHER", "1")
