"""The desk: the engine wired once, for every surface.

Each surface (the Excel functions in ``rotation_addin/udfs.py``, the ``rotation`` command, the
desktop app in ``gui/``, the workbook refresh in ``workbook/``) is a thin adapter: it parses its
own input, calls the desk, and formats the result. Nothing here knows about cells, flags or
widgets.

* :mod:`rotation_addin.desk.session` -- :class:`~rotation_addin.desk.session.DeskSession`: the
  settings, the loaded dataset and its as-of, the positions, the plan parameters and the
  memoised daily report, invalidated when the settings file, the cache run or the positions
  change.
* :mod:`rotation_addin.desk.quick_check` -- size -> maintenance bracket -> liquidation ->
  stop-before-liquidation -> safe leverage, written once (no pandas: ``rotation size`` starts
  without it).
* :mod:`rotation_addin.desk.market` -- a symbol's volatility, contract rules and leverage tiers
  from a dataset.
* :mod:`rotation_addin.desk.history` -- candles at 1h/4h/1d/1w and funding history of a symbol
  over a date range, from the configured source.
* :mod:`rotation_addin.desk.analytics` -- daily report, correlation picture, regime and data
  status as typed use cases.

The package imports nothing heavy itself: import the module you need.
"""
