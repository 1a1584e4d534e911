"""Settings tables from configs/*.toml into the dataclasses that hold them."""

from __future__ import annotations


def from_table(cls, table: dict, what: str):
    """`cls(**table)`, refusing keys the dataclass does not have: a misspelt setting in a
    config file would otherwise be ignored silently."""
    unknown = set(table) - set(cls.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown {what} settings: {sorted(unknown)}")
    return cls(**table)
