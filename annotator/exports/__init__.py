"""Exports of a project's codes: one module per format behind one registry (annotator.exports.formats).

Writers and parsers are pure functions over ExportRow, so every format round-trips in a test
without a database; the service (annotator.services.exports) owns who may export what.
"""
