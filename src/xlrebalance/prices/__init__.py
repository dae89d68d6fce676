"""prices layer."""
