"""Reverse ETL: push audiences from the warehouse to the tools that act on them.

``spec`` reads the sync YAML files, ``engine`` diffs ``marts.activation_policy`` against the last
acknowledged state and delivers the changes through the warehouse ledger (``ledger``),
``destinations`` holds one small class per destination, ``http`` the rate limiting and retries,
``hashing`` the identifier hashing of the ad platforms.
"""
