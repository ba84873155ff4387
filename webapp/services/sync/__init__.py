"""Exactly-once sync of inspections from the phones (``batch.record_inspections``).

How "exactly once" is guaranteed: the phone's UUID is the primary key of ``inspections``.
A batch's valid records are written with one ``INSERT ... ON CONFLICT DO NOTHING
RETURNING id``; the database decides which ids are new, however many retries of the same
batch race each other. Ids that were not inserted are then classified by comparing the
stored content hash (``classify_outcome``, the one place for that rule): the same content
is a duplicate, different content a conflict whose version is kept in
``inspection_conflicts`` (itself idempotent by its unique (inspection_id, content_hash)).

Each record is validated on its own: one bad record never fails the rest of its batch.

The modules, in the order a record meets them: ``envelope`` (the request or export file),
``parsing`` (one record's shape, no database), ``checks`` (the rules that need the
database), ``storing`` (writing its rows) and ``batch`` (the protocol that ties them
together and classifies each outcome). Import from the module; this file re-exports nothing.
"""
