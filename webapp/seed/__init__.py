"""Seed data a real deployment needs, as data: the default checklist (``checklist.py``).
``webapp.services.default_checklist`` writes it; the demo's data live in ``webapp.demo``."""
