"""Macro and sentiment data providers (real HTTP code paths; loopback emulators in tests).

* ``coingecko``  -- BTC dominance snapshot from ``/global`` (stored daily so history accumulates)
* ``defillama``  -- total stablecoin supply history (free, no key)
* ``equity``     -- a daily equity-index CSV (FRED ``SP500`` by default, any CSV URL or file)
* ``santiment``  -- social volume and on-chain activity (API key from the OS keyring)
* ``store``      -- fetch them all and write them into the SQLite cache's ``series`` table
"""
