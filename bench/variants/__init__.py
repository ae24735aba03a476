"""Settings variants for `bench/scan.py --env DJANGO_SETTINGS_MODULE=bench.variants.<name>`.

Each one is the production settings with one change, to measure a suggested fix before anyone
edits `omostore/settings.py`. They are bench tools, never deployed.
"""
