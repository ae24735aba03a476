"""Models of fulfillment; filled by the issue that builds this capability."""
