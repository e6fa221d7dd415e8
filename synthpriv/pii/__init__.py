"""PII detection: recognizers, the analyzer engines that run them, and the column detector."""
