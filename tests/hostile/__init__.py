"""Hostile and broken submissions, and the small fixture lesson they are built from."""
