"""Built-in de-identification policies (JSON files validated against schemas/policy.schema.json)."""
