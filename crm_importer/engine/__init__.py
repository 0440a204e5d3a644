"""The import engine: readers, mapping, validation, staging, reports.

Nothing under this package imports Qt; the GUI and the CLI are thin layers over it
(``tests/test_engine_headless.py`` keeps it that way).
"""
