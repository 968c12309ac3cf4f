"""The Kafka wire: topic names and settings, message formats, admin, compacted-topic views."""
