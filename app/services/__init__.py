"""Domain services: plain values and a session in, domain errors out; callers commit."""
