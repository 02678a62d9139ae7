"""Batch drafting: many tasks at once, resumable, within a budget."""
