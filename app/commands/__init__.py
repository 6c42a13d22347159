"""CLI groups. Each module exposes GROUPS; commands own their transaction and commit once."""
