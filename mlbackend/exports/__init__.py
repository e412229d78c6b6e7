"""Exports that need the ML side (flow maps): the training archive."""
