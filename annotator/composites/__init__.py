"""Composite sets: several imported dataset projects fused into one project under a named label mapping."""
