"""Embedded models: MiniLM encoder + one LoRA adapter + task heads (see docs/models.md)."""
