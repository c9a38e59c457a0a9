"""redesign."""
