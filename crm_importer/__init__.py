"""crm-importer: bring lead spreadsheets into a CRM's PostgreSQL database, safely and fast."""

__version__ = "0.1.0"
