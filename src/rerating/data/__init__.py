"""The market-data layer: security master, calendars, sources, the embedded store and the ``Market`` facade.

Import the pieces from their modules (``from rerating.data.market import Market``); this package
imports nothing heavy on its own.
"""
