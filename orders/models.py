"""Models of orders; filled by the issue that builds this capability."""
