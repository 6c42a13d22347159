"""Evidence photos: accepted, cleaned, stored (`storage`) and read back by those allowed (`service`).

May import: `core`, `consumers` (models), `staff` (models).
"""
