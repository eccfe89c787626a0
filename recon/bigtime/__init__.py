"""Client for BigTime's REST API (v2): authentication, reads, writes, typed frames.

``resources`` is the wire catalogue shared with the sandbox; ``uncertain`` holds every
choice made where the spec is silent or unsure.
"""
