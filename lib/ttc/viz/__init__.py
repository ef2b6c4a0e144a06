"""Figure builders, one module per notebook; each returns a matplotlib Figure."""
