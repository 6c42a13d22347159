"""Evidence photos: accepted, cleaned, stored (`storage`) and read back by those allowed (`photos`).

May import: `core`, `consumers` (models), `staff` (models).
"""
