"""Column-wise validation of the inventory sheet, for bench/bench_sheet_validation.py.

A sketch of the import framework's engine, not project code: `rules` declares how each column of
inventory.records.formats.InventoryFormat validates column-wise and holds what the engines share
(header search, formula scan, cross-field rules, error records); `pandas_engine` and `polars_engine`
apply it with pandas (python-calamine's cells in a DataFrame) and with polars (fastexcel's Arrow
columns). `messy` writes the small file of deliberate errors the equivalence check reads.
"""
