"""Hand-built domains. Each is one folder exposing ``DOMAIN``; see ``mock/`` for the smallest."""
