"""Sage Intacct XML Web Services API (DTD 3.0) client.

Layers, each a module with one job:

- ``xmlsafe``   the one hardened XML parser
- ``schema``    objects, key fields and field types (shared with the sandbox)
- ``quoting``   the one helper that quotes values put into readByQuery query strings
- ``filters``   a small Python expression API that builds ``query`` filters
- ``request``   request envelopes and function elements, built with the lxml element API
- ``response``  response envelopes -> results, or exceptions of ``recon.errors``
- ``transport`` one ``requests.Session``: timeouts, size cap, retry policy, redaction
- ``client``    sessions, paging (readMore / offset, concurrent), reads and writes
- ``page``      the ``Page`` a read yields
- ``frames``    pages -> typed DataFrames
- ``pull``      one pull for every object recon reconciles (by object or canonical entity)
"""
