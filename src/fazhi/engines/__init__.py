"""Engines that run `fazhi tag` over many machines: `ray_engine` (Ray Data). Each writes the
same tables as the single-machine Parquet output (fazhi.tables)."""
