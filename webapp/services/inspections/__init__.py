"""Reading stored inspections: one record in full (``record``), and lists of them
(``listing``) for the API and the pages that link to records."""
