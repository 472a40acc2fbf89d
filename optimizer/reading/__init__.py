"""From a file (or DataFrames) to the contract's typed inputs: file types, cells, headers, names
and validation, every problem with its cell."""
