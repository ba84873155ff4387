"""Rules of the domain, each owning its transaction."""
