"""The directory: who is responsible where.

Regions, business circles and stations (`models`), the routing rules that pick a store's responsible
station (`routing`), the enrolment import of stations and stores from CSV or Excel (`importing`), and
forms that reuse its rules for one station (`stations`) or one store (`editing`).

May import: `core`, `audit`, `stores` (the importer writes stores and their codes).
"""
