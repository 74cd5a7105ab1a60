"""The credit warehouse: Dagster code location, ingestion, gates and reports."""
