"""Seed data as data: the default checklist (``checklist.py``) and the Jilin demo
dataset generator (``demo.py``). Writing them to the database is
``webapp.services.demo``'s job."""
