"""What members does when the apps below announce something (their `signals.py`)."""
