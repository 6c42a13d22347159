"""The directory: who is responsible where.

Regions, business circles and stations (`models`), the routing rules that pick a store's responsible
station (`routing`), and the enrolment import of stations and stores from CSV or Excel (`importing`).

May import: `core`, `stores` (the importer writes stores and their codes).
"""
