"""Helpers for `manage.py bench`: measurement only, never imported by the app itself."""
