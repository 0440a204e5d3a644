"""The desktop GUI: a PySide6 wizard over the Qt-free engine (``crm_importer.engine`` and ``crm_importer.crm``).

Only this package imports Qt. Long work runs as plain engine callables inside :mod:`.worker`'s thread pool;
widgets only draw and hold state.
"""
